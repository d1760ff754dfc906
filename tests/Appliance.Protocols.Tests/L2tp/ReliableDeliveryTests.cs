using Appliance.Protocols.L2tp;
using static Appliance.Protocols.Tests.L2tp.TestWire;

namespace Appliance.Protocols.Tests.L2tp;

/// <summary>RFC 2661 §5.8: windows, acknowledgements, retransmission and duplicates.</summary>
public class ReliableDeliveryTests
{
    private static (L2tpServer Server, TestClock Clock, FakeLac Lac, ushort TunnelId) Established(ClientSccrqs.Client client, int seed = 5, L2tpServerOptions? options = null)
    {
        var clock = new TestClock();
        var server = new L2tpServer(options ?? new L2tpServerOptions(), new L2tpTestRandom(seed));
        var lac = FakeLac.For(server, clock, client);
        ushort tunnelId = lac.BringUpTunnel(client.Bytes);
        return (server, clock, lac, tunnelId);
    }

    [Fact]
    public void Window_of_one_holds_every_further_message_until_the_ack()
    {
        var (server, clock, lac, tunnelId) = Established(ClientSccrqs.Android);
        var sessions = new[] { lac.BringUpSession(1), lac.BringUpSession(2), lac.BringUpSession(3) };
        lac.SendZlb();

        // Three CDNs wanted at once; Android's window of 1 lets one out at a time. FakeLac
        // asserts on every datagram that no more than one is unacknowledged.
        foreach (ushort session in sessions) lac.Absorb(server.CloseSession(tunnelId, session, "bye", clock.Now));
        Assert.Single(lac.Inbox);
        for (int i = 0; i < 3; i++)
        {
            var cdn = lac.Expect(Cdn);
            Assert.Equal(sessions[i], cdn.Get16(AssignedSessionId));
            clock.Advance(0.1);
            lac.Tick();
            lac.ExpectNoMessage();
            lac.SendZlb();
        }
        lac.ExpectNoMessage();
        Assert.Equal(3, lac.Events.OfType<L2tpSessionDown>().Count());
    }

    [Fact]
    public void Without_a_receive_window_avp_the_peer_window_is_four()
    {
        var sccrq = Control(0, 0, 0, 0, Type(Sccrq), Avp16(ProtocolVersion, 0x0100), Avp(HostName, Ascii("nowindow")),
            Avp32(FramingCaps, 1), Avp16(AssignedTunnelId, 77));
        var client = ClientSccrqs.Windows with { TunnelId = 77, Window = 4 };
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(6));
        var lac = FakeLac.For(server, clock, client);
        ushort tunnelId = lac.BringUpTunnel(sccrq);
        Assert.Equal((ushort)4, lac.Single<L2tpTunnelUp>().Info.ReceiveWindowSize);
        var sessions = Enumerable.Range(1, 5).Select(i => lac.BringUpSession((ushort)i)).ToList();
        lac.SendZlb();

        foreach (ushort session in sessions) lac.Absorb(server.CloseSession(tunnelId, session, "bye", clock.Now));
        Assert.Equal(4, lac.Inbox.Count);
        lac.Inbox.Clear();
        lac.SendZlb();
        Assert.Equal(sessions[4], lac.Expect(Cdn).Get16(AssignedSessionId));
    }

    [Fact]
    public void Unacknowledged_sccrp_is_resent_at_1_3_7_15_23_s_and_given_up_at_31_s()
    {
        var clock = new TestClock();
        var start = clock.Now;
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(7));
        var lac = FakeLac.For(server, clock, ClientSccrqs.MacOs);
        lac.Send(ClientSccrqs.MacOs.Bytes);
        for (int i = 0; i < 200; i++)
        {
            clock.Advance(0.25);
            lac.Tick();
        }

        var sends = lac.Received.Where(r => r.Message.Type == Sccrp).ToList();
        Assert.Equal(new double[] { 0, 1, 3, 7, 15, 23 }, sends.Select(s => (s.At - start).TotalSeconds));
        Assert.All(sends, s => Assert.Equal(((ushort)0, (ushort)1), (s.Message.Ns, s.Message.Nr)));
        Assert.Equal(0, server.TunnelCount);
        Assert.Empty(server.Tunnels);
        // Never announced, so nothing to report down.
        Assert.Empty(lac.Events.OfType<L2tpTunnelDown>());
    }

    [Fact]
    public void Unanswered_hello_backs_off_then_clears_sessions_and_tunnel()
    {
        var (server, clock, lac, tunnelId) = Established(ClientSccrqs.Android);
        ushort session = lac.BringUpSession(5);
        var idleSince = clock.Now;
        lac.Deaf = true;
        for (int i = 0; i < 4 * 100; i++)
        {
            clock.Advance(0.25);
            lac.Tick();
        }

        var hellos = lac.Lost.Where(l => l.Message.Type == Hello).ToList();
        Assert.Equal(new double[] { 60, 61, 63, 67, 75, 83 }, hellos.Select(h => (h.At - idleSince).TotalSeconds));
        Assert.Single(hellos.Select(h => h.Message.Ns).Distinct());
        var downs = lac.Events.Where(e => e is L2tpSessionDown or L2tpTunnelDown).ToList();
        Assert.Equal(2, downs.Count);
        Assert.Equal(session, Assert.IsType<L2tpSessionDown>(downs[0]).SessionId);
        Assert.Equal(tunnelId, Assert.IsType<L2tpTunnelDown>(downs[1]).TunnelId);
        Assert.Equal(0, server.TunnelCount);
    }

    [Fact]
    public void A_retransmission_carries_the_current_nr()
    {
        var (_, clock, lac, _) = Established(ClientSccrqs.Xl2tpd);
        clock.Advance(60);
        lac.Tick();
        var hello = lac.Expect(Hello);

        // The LAC sends a WEN that does not acknowledge the HELLO (its Nr is the HELLO's Ns).
        lac.Send(Control(lac.ServerTunnelId, 0, lac.Ns, hello.Ns, Type(Wen), Avp(34, new byte[26])));
        lac.Ns++;
        Assert.True(lac.Received[^1].Message.IsZlb);
        clock.Advance(1);
        lac.Tick();
        var resent = lac.Received[^1].Message;
        Assert.Equal(Hello, resent.Type);
        Assert.Equal(hello.Ns, resent.Ns);
        Assert.Equal(lac.Ns, resent.Nr);
        Assert.Equal((ushort)(hello.Nr + 1), resent.Nr);
    }

    [Fact]
    public void A_retransmitted_sccrq_makes_no_second_tunnel()
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(8));
        var lac = FakeLac.For(server, clock, ClientSccrqs.Windows);
        lac.Send(ClientSccrqs.Windows.Bytes);
        clock.Advance(0.5);
        lac.Send(ClientSccrqs.Windows.Bytes);
        clock.Advance(0.5);
        lac.Tick();

        Assert.Equal(1, server.TunnelCount);
        Assert.Equal(1, server.Drops["control: duplicate"]);
        var answers = lac.Received.Select(r => r.Message).ToList();
        // SCCRP; a ZLB for the duplicate (Ns 1 not consumed, Nr 1); the SCCRP again on its own timer.
        Assert.Equal(3, answers.Count);
        Assert.Equal((Sccrp, (ushort)0, (ushort)1), (answers[0].Type, answers[0].Ns, answers[0].Nr));
        Assert.True(answers[1].IsZlb);
        Assert.Equal(((ushort)1, (ushort)1), (answers[1].Ns, answers[1].Nr));
        Assert.Equal((Sccrp, (ushort)0, answers[0].Get16(AssignedTunnelId)), (answers[2].Type, answers[2].Ns, answers[2].Get16(AssignedTunnelId)));
        Assert.Single(lac.Inbox);
    }

    [Fact]
    public void A_retransmitted_icrq_makes_no_second_session()
    {
        var (server, _, lac, _) = Established(ClientSccrqs.Windows);
        var icrq = lac.Build(0, Type(Icrq), Avp16(AssignedSessionId, 11), Avp32(CallSerialNumber, 1));
        lac.Ns++;
        lac.Send(icrq);
        lac.Send(icrq);
        lac.Expect(Icrp);
        lac.ExpectNoMessage();
        Assert.True(lac.Received[^1].Message.IsZlb);
        Assert.Equal(1, server.SessionCount);
        Assert.Equal(1, server.Drops["control: duplicate"]);
    }

    [Fact]
    public void A_lost_zlb_is_sent_again_for_the_retransmitted_scccn()
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(9));
        var lac = FakeLac.For(server, clock, ClientSccrqs.MacOs);
        lac.Send(ClientSccrqs.MacOs.Bytes);
        lac.Ns = 1;
        lac.ServerTunnelId = lac.Expect(Sccrp).Get16(AssignedTunnelId)!.Value;
        var scccn = lac.Build(0, Type(Scccn));
        lac.Ns++;
        lac.Deaf = true;
        lac.Send(scccn);
        Assert.True(Assert.Single(lac.Lost).Message.IsZlb);
        lac.Deaf = false;
        clock.Advance(1);
        lac.Send(scccn);
        var zlb = lac.Received[^1].Message;
        Assert.True(zlb.IsZlb);
        Assert.Equal(((ushort)1, (ushort)2), (zlb.Ns, zlb.Nr));
        Assert.Single(lac.Events.OfType<L2tpTunnelUp>());
    }

    [Fact]
    public void A_message_after_a_gap_is_held_and_processed_in_order()
    {
        var (server, _, lac, _) = Established(ClientSccrqs.Xl2tpd);
        var first = lac.Build(0, Type(Icrq), Avp16(AssignedSessionId, 21), Avp32(CallSerialNumber, 1));
        lac.Ns++;
        var second = lac.Build(0, Type(Icrq), Avp16(AssignedSessionId, 22), Avp32(CallSerialNumber, 2));
        lac.Ns++;
        int before = lac.Received.Count;
        lac.Send(second);
        Assert.Equal(before, lac.Received.Count); // held: nothing to acknowledge yet
        lac.Send(first);
        Assert.Equal((ushort)21, lac.Expect(Icrp).SessionId);
        Assert.Equal((ushort)22, lac.Expect(Icrp).SessionId);
        Assert.Equal(2, server.SessionCount);
    }

    [Fact]
    public void A_message_beyond_our_window_or_acknowledging_unsent_messages_is_dropped()
    {
        var (server, _, lac, _) = Established(ClientSccrqs.Xl2tpd);
        int before = lac.Received.Count;
        lac.Send(Control(lac.ServerTunnelId, 0, (ushort)(lac.Ns + 8), lac.Nr, Type(Hello)));
        Assert.Equal(1, server.Drops["control: beyond our receive window"]);
        lac.Send(Control(lac.ServerTunnelId, 0, lac.Ns, (ushort)(lac.Nr + 5), Type(Hello)));
        Assert.Equal(1, server.Drops["control: Nr beyond what we sent"]);
        Assert.Equal(before, lac.Received.Count);

        // The tunnel is unharmed: the real next message is processed.
        lac.SendControl(0, Type(Hello));
        Assert.True(lac.Received[^1].Message.IsZlb);
        Assert.Equal(1, server.TunnelCount);
    }

    [Fact]
    public void Sequence_numbers_wrap_around()
    {
        // A LAC whose Ns starts near 65535 (as after a long-lived tunnel).
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(10));
        var lac = FakeLac.For(server, clock, ClientSccrqs.Xl2tpd);
        var sccrq = ClientSccrqs.Xl2tpd.Bytes;
        sccrq[8] = 0xff;
        sccrq[9] = 0xfd; // Ns 65533
        lac.Send(sccrq);
        lac.Ns = 0xfffe;
        var sccrp = lac.Expect(Sccrp);
        Assert.Equal((ushort)0xfffe, sccrp.Nr);
        lac.ServerTunnelId = sccrp.Get16(AssignedTunnelId)!.Value;
        lac.SendControl(0, Type(Scccn));
        for (int i = 0; i < 4; i++)
        {
            lac.SendControl(0, Type(Hello));
            Assert.True(lac.Received[^1].Message.IsZlb);
            Assert.Equal(lac.Ns, lac.Received[^1].Message.Nr);
        }
        Assert.Equal((ushort)3, lac.Ns);
        lac.BringUpSession(4);
        Assert.Equal(1, server.SessionCount);
    }

    [Fact]
    public void Our_stopccn_is_retransmitted_until_acknowledged_or_given_up()
    {
        var (server, clock, lac, tunnelId) = Established(ClientSccrqs.Windows);
        lac.BringUpSession(1);
        lac.Deaf = true;
        var start = clock.Now;
        lac.Absorb(server.CloseTunnel(tunnelId, "admin", clock.Now));
        Assert.Equal(0, server.TunnelCount);
        for (int i = 0; i < 200; i++)
        {
            clock.Advance(0.25);
            lac.Tick();
        }
        var stops = lac.Lost.Where(l => l.Message.Type == StopCcn).ToList();
        Assert.Equal(new double[] { 0, 1, 3, 7, 15, 23 }, stops.Select(s => (s.At - start).TotalSeconds));
        Assert.Single(lac.Events.OfType<L2tpTunnelDown>());
        Assert.Single(lac.Events.OfType<L2tpSessionDown>());
        lac.Deaf = false;
        lac.SendZlb();
        Assert.Equal(1, server.Drops["control: unknown tunnel"]);
    }

    [Theory]
    [InlineData("window")]
    [InlineData("retransmit")]
    [InlineData("limits")]
    [InlineData("host")]
    public void Nonsense_options_are_refused(string which)
    {
        var options = which switch
        {
            "window" => new L2tpServerOptions { ReceiveWindowSize = 0 },
            "retransmit" => new L2tpServerOptions { RetransmitCap = TimeSpan.FromMilliseconds(500) },
            "limits" => new L2tpServerOptions { MaxSessionsPerTunnel = 0 },
            _ => new L2tpServerOptions { HostName = new string('h', 1018) },
        };
        Assert.Throws<ArgumentException>(() => new L2tpServer(options, new L2tpTestRandom(1)));
    }
}
