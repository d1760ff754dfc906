using System.Buffers.Binary;
using Appliance.Protocols.L2tp;
using static Appliance.Protocols.Tests.L2tp.TestWire;

namespace Appliance.Protocols.Tests.L2tp;

/// <summary>
/// Each client kind of clients.md, from its own SCCRQ through tunnel and session bring-up, PPP
/// frames both ways, keepalives and teardown, on a fake clock.
/// </summary>
public class ClientBringUpTests
{
    public static TheoryData<string> Clients => ["windows", "macos", "android", "xl2tpd"];

    [Theory]
    [MemberData(nameof(Clients))]
    public void Sccrq_bytes_are_what_the_client_description_says(string name)
    {
        var client = ClientSccrqs.ByName(name);
        byte[] bytes = client.Bytes;
        Assert.Equal(bytes.Length, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2)));
        Assert.Equal(Convert.ToHexString(ClientSccrqs.Rebuild(client)), Convert.ToHexString(bytes));

        // And the production decoder reads them the same way.
        Assert.True(L2tpControlMessage.TryParse(bytes, null, out var error, out var message));
        Assert.Equal(L2tpHeaderError.None, error);
        Assert.Equal(L2tpMessageProblem.None, message!.Problem);
        Assert.Equal((ushort)L2tpMessageType.StartControlConnectionRequest, message.MessageType);
        Assert.Equal(client.HostName, message.Text(L2tpAvpType.HostName));
        Assert.Equal(client.Window, message.UInt16(L2tpAvpType.ReceiveWindowSize));
        Assert.Equal(client.TunnelId, message.UInt16(L2tpAvpType.AssignedTunnelId));
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void Tunnel_and_session_come_up_carry_ppp_keep_alive_and_go_down(string name)
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(name.Length));
        var client = ClientSccrqs.ByName(name);
        var lac = FakeLac.For(server, clock, client);

        // SCCRQ -> SCCRP to the client's tunnel id, Ns 0, Nr 1, with our tunnel id and window.
        lac.Send(client.Bytes);
        lac.Ns = 1;
        var sccrp = lac.Expect(Sccrp);
        Assert.Equal((client.TunnelId, (ushort)0, (ushort)0, (ushort)1), (sccrp.TunnelId, sccrp.SessionId, sccrp.Ns, sccrp.Nr));
        Assert.Equal((ushort)0x0100, sccrp.Get16(ProtocolVersion));
        Assert.Equal("appliance", sccrp.Text(HostName));
        Assert.Equal((ushort)8, sccrp.Get16(ReceiveWindow));
        Assert.NotNull(sccrp.Get32(FramingCaps));
        Assert.Null(sccrp.Find(Challenge));
        foreach (ushort mandatory in new[] { MessageType, ProtocolVersion, FramingCaps, HostName, AssignedTunnelId, ReceiveWindow })
            Assert.True(sccrp.Find(mandatory)!.Mandatory);
        Assert.False(sccrp.Find(Firmware)!.Mandatory);
        ushort tunnelId = sccrp.Get16(AssignedTunnelId)!.Value;
        Assert.NotEqual(0, tunnelId);
        lac.ServerTunnelId = tunnelId;
        Assert.Empty(lac.Events.OfType<L2tpTunnelUp>());
        Assert.Equal(1, server.TunnelCount);

        // SCCCN -> tunnel up, acknowledged at once by a ZLB (Ns 1 not consumed, Nr 2).
        clock.Advance(0.05);
        lac.SendControl(0, Type(Scccn));
        var up = lac.Single<L2tpTunnelUp>();
        Assert.Equal((tunnelId, client.TunnelId, lac.Peer), (up.TunnelId, up.PeerTunnelId, up.Peer));
        Assert.Equal(new L2tpTunnelInfo(client.HostName, client.Vendor, client.Firmware, client.Window, client.Framing, client.Bearer), up.Info);
        var zlb = lac.Received[^1].Message;
        Assert.True(zlb.IsZlb);
        Assert.Equal(((ushort)1, (ushort)2), (zlb.Ns, zlb.Nr));

        // ICRQ -> ICRP, ICCN -> session up.
        ushort sessionId = lac.BringUpSession(0x0042);
        Assert.NotEqual(0, sessionId);
        var sessionUp = lac.Single<L2tpSessionUp>();
        Assert.Equal((tunnelId, sessionId, client.TunnelId, (ushort)0x0042, lac.Peer),
            (sessionUp.TunnelId, sessionUp.SessionId, sessionUp.PeerTunnelId, sessionUp.PeerSessionId, sessionUp.Peer));
        Assert.Equal(1, server.SessionCount);

        // PPP in (xl2tpd sets the length bit, the others do not) and out.
        byte[] lcp = Convert.FromHexString("FF03C02101010004");
        var frame = Assert.Single(lac.Send(Data(tunnelId, sessionId, lcp, length: name == "xl2tpd")).OfType<L2tpPppFrame>());
        Assert.Equal((tunnelId, sessionId), (frame.TunnelId, frame.SessionId));
        Assert.Equal(Convert.ToHexString(lcp), Convert.ToHexString(frame.Frame.Span));
        byte[] outgoing = L2tpDataCodec.EncodeData(up.PeerTunnelId, sessionUp.PeerSessionId, lcp);
        Assert.Equal("0002" + client.TunnelId.ToString("X4") + "0042" + Convert.ToHexString(lcp), Convert.ToHexString(outgoing));

        if (name == "xl2tpd")
        {
            // xl2tpd says HELLO every 60 s: each gets a ZLB, and the tunnel never looks idle to us.
            for (int i = 0; i < 3; i++)
            {
                clock.Advance(59.75);
                lac.Tick();
                lac.SendControl(0, Type(Hello));
                Assert.True(lac.Received[^1].Message.IsZlb);
            }
            Assert.DoesNotContain(lac.Received, r => r.Message.Type == Hello);
        }
        else
        {
            // The others stay silent: after 60 s without a word we send HELLO, which they acknowledge.
            clock.Advance(59.75);
            lac.Tick();
            lac.ExpectNoMessage();
            clock.Advance(0.25);
            lac.Tick();
            lac.Expect(Hello);
            lac.SendZlb();
            clock.Advance(10);
            lac.Tick();
            lac.ExpectNoMessage();
        }

        if (name is "windows" or "android")
        {
            // We end it: CDN, then StopCCN.
            lac.Absorb(server.CloseSession(tunnelId, sessionId, "logged out", clock.Now));
            var cdn = lac.Expect(Cdn);
            Assert.Equal((ushort)0x0042, cdn.SessionId);
            Assert.Equal(sessionId, cdn.Get16(AssignedSessionId));
            Assert.Equal(((ushort)3, (ushort?)0, "logged out"), cdn.Result());
            Assert.Equal("logged out", lac.Single<L2tpSessionDown>().Reason);
            lac.SendZlb();
            lac.Absorb(server.CloseTunnel(tunnelId, "shutting down", clock.Now));
            var stop = lac.Expect(StopCcn);
            Assert.Equal(tunnelId, stop.Get16(AssignedTunnelId));
            Assert.Equal((ushort)1, stop.Result().Result);
            Assert.Equal("shutting down", lac.Single<L2tpTunnelDown>().Reason);
            Assert.Equal(0, server.TunnelCount);
            lac.SendZlb();

            // The client's own StopCCN crossed ours (or was lost until now): acknowledged all the
            // same for a retransmission cycle after ours was, and acted on no more.
            clock.Advance(5);
            lac.Tick();
            lac.SendControl(0, Type(StopCcn), Avp16(AssignedTunnelId, client.TunnelId), Avp(ResultCode, U16(1)));
            Assert.True(lac.Received[^1].Message.IsZlb);
            Assert.Single(lac.Events.OfType<L2tpTunnelDown>());
            clock.Advance(32);
            lac.Tick();
        }
        else
        {
            // The client ends it: CDN, then StopCCN; both acknowledged by ZLB.
            lac.SendControl(sessionId, Type(Cdn), Avp(ResultCode, U16(3)), Avp16(AssignedSessionId, 0x0042));
            Assert.True(lac.Received[^1].Message.IsZlb);
            Assert.Single(lac.Events.OfType<L2tpSessionDown>());
            var stopCcn = lac.Build(0, Type(StopCcn), Avp16(AssignedTunnelId, client.TunnelId), Avp(ResultCode, U16(1)));
            lac.Ns++;
            lac.Send(stopCcn);
            Assert.True(lac.Received[^1].Message.IsZlb);
            Assert.StartsWith("peer sent StopCCN (result 1", lac.Single<L2tpTunnelDown>().Reason);
            Assert.Equal(0, server.TunnelCount);

            // Our ZLB may be lost: for a full retransmission cycle the StopCCN still gets one.
            clock.Advance(20);
            lac.Tick();
            int before = lac.Received.Count;
            lac.Send(stopCcn);
            Assert.True(lac.Received[^1].Message.IsZlb);
            Assert.Equal(before + 1, lac.Received.Count);
            clock.Advance(12);
            lac.Tick();
        }

        // The tunnel is gone for good.
        Assert.Equal(0, server.SessionCount);
        Assert.Empty(server.Tunnels);
        int received = lac.Received.Count;
        lac.SendControl(0, Type(Hello));
        Assert.Equal(received, lac.Received.Count);
        Assert.Equal(1, server.Drops["control: unknown tunnel"]);
        Assert.Single(lac.Events.OfType<L2tpTunnelDown>());
    }

    /// <summary>Windows dials from port 1701 with tunnel id 1 every time: a new SCCRQ while its
    /// previous tunnel still lingers (after either side's StopCCN) is a new call, not a resend
    /// of the old SCCRQ, and gets a tunnel of its own at once.</summary>
    [Theory]
    [InlineData("client stops")]
    [InlineData("we stop")]
    public void Dialling_again_while_the_old_tunnel_lingers_gets_a_new_tunnel(string how)
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(5));
        var first = FakeLac.For(server, clock, ClientSccrqs.Windows);
        ushort old = first.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        if (how == "client stops")
            first.SendControl(0, Type(StopCcn), Avp16(AssignedTunnelId, first.TunnelId), Avp(ResultCode, U16(1)));
        else
        {
            first.Absorb(server.CloseTunnel(old, "admin", clock.Now));
            first.Expect(StopCcn);
            first.SendZlb();
        }
        Assert.Equal(0, server.TunnelCount);

        clock.Advance(2);
        var again = FakeLac.For(server, clock, ClientSccrqs.Windows);
        ushort fresh = again.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        Assert.NotEqual(old, fresh);
        Assert.Equal(1, server.TunnelCount);
        Assert.Equal(2, again.Events.Concat(first.Events).OfType<L2tpTunnelUp>().Count());
    }

    [Fact]
    public void Closing_a_tunnel_reports_each_session_down_then_the_tunnel()
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(3));
        var lac = FakeLac.For(server, clock, ClientSccrqs.Windows);
        ushort tunnelId = lac.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        ushort first = lac.BringUpSession(1);
        ushort second = lac.BringUpSession(2);
        Assert.NotEqual(first, second);

        var actions = lac.Absorb(server.CloseTunnel(tunnelId, "admin", clock.Now));
        var downs = actions.Where(a => a is L2tpSessionDown or L2tpTunnelDown).ToList();
        Assert.Equal(3, downs.Count);
        Assert.Equal(first, Assert.IsType<L2tpSessionDown>(downs[0]).SessionId);
        Assert.Equal(second, Assert.IsType<L2tpSessionDown>(downs[1]).SessionId);
        Assert.Equal(tunnelId, Assert.IsType<L2tpTunnelDown>(downs[2]).TunnelId);
        lac.Expect(StopCcn);
        Assert.Empty(server.CloseTunnel(tunnelId, "again", clock.Now).OfType<L2tpSend>());
    }

    [Fact]
    public void Status_lists_tunnels_and_sessions_with_what_the_peer_said()
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(4));
        var lac = FakeLac.For(server, clock, ClientSccrqs.Xl2tpd);
        ushort tunnelId = lac.BringUpTunnel(ClientSccrqs.Xl2tpd.Bytes);
        clock.Advance(1);
        ushort sessionId = lac.BringUpSession(9);

        var tunnel = Assert.Single(server.Tunnels);
        Assert.Equal((tunnelId, ClientSccrqs.Xl2tpd.TunnelId, lac.Peer, true), (tunnel.TunnelId, tunnel.PeerTunnelId, tunnel.Peer, tunnel.Established));
        Assert.Equal(("chromebook", "xelerance.com", (ushort?)0x0690), (tunnel.Info.HostName, tunnel.Info.VendorName, tunnel.Info.FirmwareRevision));
        Assert.Equal(clock.Now.AddSeconds(-1), tunnel.Created);
        var session = Assert.Single(tunnel.Sessions);
        Assert.Equal((sessionId, (ushort)9, true, clock.Now), (session.SessionId, session.PeerSessionId, session.Established, session.Created));
    }
}
