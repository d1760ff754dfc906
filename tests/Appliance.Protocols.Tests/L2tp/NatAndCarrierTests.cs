using System.Net;
using Appliance.Protocols.L2tp;
using static Appliance.Protocols.Tests.L2tp.TestWire;

namespace Appliance.Protocols.Tests.L2tp;

/// <summary>Several clients behind one NAT, and tunnels following their IPsec SA.</summary>
public class NatAndCarrierTests
{
    private static readonly byte[] Frame = Convert.FromHexString("FF03C021090100080000002A");

    [Theory]
    [InlineData(1701, 1702, 1UL, 2UL)] // NAT remapped the ports
    [InlineData(1701, 1701, 1UL, 2UL)] // two Windows clients, both from 1701 inside their own SA
    public void Two_clients_behind_one_nat_with_the_same_tunnel_id_get_separate_tunnels(int portA, int portB, ulong carrierA, ulong carrierB)
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(40));
        var a = FakeLac.For(server, clock, ClientSccrqs.Windows, port: portA, carrier: carrierA);
        var b = FakeLac.For(server, clock, ClientSccrqs.Windows, port: portB, carrier: carrierB);
        ushort tunnelA = a.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        ushort tunnelB = b.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        Assert.NotEqual(tunnelA, tunnelB);
        Assert.Equal(2, server.TunnelCount);
        ushort sessionA = a.BringUpSession(1);
        ushort sessionB = b.BringUpSession(1);

        var frameA = Assert.Single(a.Send(Data(tunnelA, sessionA, Frame)).OfType<L2tpPppFrame>());
        var frameB = Assert.Single(b.Send(Data(tunnelB, sessionB, Frame)).OfType<L2tpPppFrame>());
        Assert.Equal((tunnelA, sessionA), (frameA.TunnelId, frameA.SessionId));
        Assert.Equal((tunnelB, sessionB), (frameB.TunnelId, frameB.SessionId));

        // B cannot speak for A's tunnel, neither data nor control.
        Assert.Empty(b.Send(Data(tunnelA, sessionA, Frame)));
        Assert.Empty(b.Send(Control(tunnelA, 0, a.Ns, a.Nr, Type(StopCcn), Avp16(AssignedTunnelId, 1), Avp(ResultCode, U16(1)))));
        Assert.Equal(1, server.Drops["data: tunnel of another peer"]);
        Assert.Equal(1, server.Drops["control: tunnel of another peer"]);
        Assert.Equal(2, server.TunnelCount);

        // Tearing down A's IPsec SA takes only A's tunnel, silently.
        var actions = server.CloseTunnelsOf(a.Peer, "IPsec SA deleted");
        Assert.Empty(actions.OfType<L2tpSend>());
        Assert.Equal(sessionA, Assert.Single(actions.OfType<L2tpSessionDown>()).SessionId);
        Assert.Equal(tunnelA, Assert.Single(actions.OfType<L2tpTunnelDown>()).TunnelId);
        Assert.Equal(1, server.TunnelCount);
        Assert.Single(b.Send(Data(tunnelB, sessionB, Frame)).OfType<L2tpPppFrame>());
    }

    [Fact]
    public void A_rekeyed_sa_is_followed_when_the_endpoint_is_unambiguous()
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(41));
        var lac = FakeLac.For(server, clock, ClientSccrqs.Xl2tpd, carrier: 10);
        ushort tunnelId = lac.BringUpTunnel(ClientSccrqs.Xl2tpd.Bytes);
        var moved = lac.Peer with { Carrier = 11 };
        var actions = server.Receive(Control(tunnelId, 0, lac.Ns, lac.Nr, Type(Hello)), moved, clock.Now);
        var zlb = Assert.IsType<L2tpSend>(Assert.Single(actions, a => a is L2tpSend));
        Assert.Equal(moved, zlb.To);
        Assert.Equal(moved, Assert.Single(server.Tunnels).Peer);
    }

    [Fact]
    public void Replace_carrier_moves_tunnels_when_the_host_reports_a_rekey()
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(42));
        var a = FakeLac.For(server, clock, ClientSccrqs.Windows, carrier: 1);
        var b = FakeLac.For(server, clock, ClientSccrqs.Windows, carrier: 2);
        ushort tunnelA = a.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        b.BringUpTunnel(ClientSccrqs.Windows.Bytes);

        // Same endpoint as B: a new carrier alone is not enough...
        var rekeyed = a.Peer with { Carrier = 3 };
        Assert.Empty(server.Receive(Control(tunnelA, 0, a.Ns, a.Nr, Type(Hello)), rekeyed, clock.Now));
        // ...but the host's word is.
        Assert.Equal(1, server.ReplaceCarrier(1, 3));
        Assert.Single(server.Receive(Control(tunnelA, 0, a.Ns, a.Nr, Type(Hello)), rekeyed, clock.Now).OfType<L2tpSend>());
    }

    [Fact]
    public void Data_is_dropped_until_the_session_is_connected()
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(43));
        var lac = FakeLac.For(server, clock, ClientSccrqs.MacOs);
        ushort tunnelId = lac.BringUpTunnel(ClientSccrqs.MacOs.Bytes);
        lac.SendControl(0, Type(Icrq), Avp16(AssignedSessionId, 1), Avp32(CallSerialNumber, 1));
        ushort session = lac.Expect(Icrp).Get16(AssignedSessionId)!.Value;
        Assert.Empty(lac.Send(Data(tunnelId, session, Frame)));
        Assert.Empty(lac.Send(Data(tunnelId, (ushort)(session + 1), Frame)));
        Assert.Empty(lac.Send(Data((ushort)(tunnelId + 1), session, Frame)));
        Assert.Equal(2, server.Drops["data: no connected session"]);
        Assert.Equal(1, server.Drops["data: unknown tunnel"]);
    }

    [Fact]
    public void A_call_never_connected_is_cleared_after_the_timeout()
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(44));
        var lac = FakeLac.For(server, clock, ClientSccrqs.Windows);
        lac.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        lac.SendControl(0, Type(Icrq), Avp16(AssignedSessionId, 1), Avp32(CallSerialNumber, 1));
        lac.Expect(Icrp);
        lac.SendZlb();
        clock.Advance(29);
        lac.Tick();
        lac.ExpectNoMessage();
        clock.Advance(1);
        lac.Tick();
        Assert.Equal((ushort)3, lac.Expect(Cdn).Result().Result);
        Assert.Equal(0, server.SessionCount);
        Assert.Empty(lac.Events.OfType<L2tpSessionDown>());
    }

    [Fact]
    public void Peer_endpoint_must_match_exactly()
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new L2tpTestRandom(45));
        var lac = FakeLac.For(server, clock, ClientSccrqs.Windows);
        ushort tunnelId = lac.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        var elsewhere = lac.Peer with { Remote = new IPEndPoint(IPAddress.Parse("203.0.113.8"), 1701) };
        Assert.Empty(server.Receive(Control(tunnelId, 0, lac.Ns, lac.Nr, Type(Hello)), elsewhere, clock.Now));
        Assert.Equal(1, server.Drops["control: tunnel of another peer"]);
    }
}
