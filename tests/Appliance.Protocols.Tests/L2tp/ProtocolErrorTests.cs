using Appliance.Protocols.L2tp;
using static Appliance.Protocols.Tests.L2tp.TestWire;

namespace Appliance.Protocols.Tests.L2tp;

/// <summary>Unknown, malformed and unexpected input answered with the result codes of RFC 2661 §4.4.2.</summary>
public class ProtocolErrorTests
{
    private static byte[] Sccrq(ushort tunnelId, params byte[][] extra) => Control(0, 0, 0, 0,
        [Type(TestWire.Sccrq), Avp16(ProtocolVersion, 0x0100), Avp(HostName, Ascii("lac")), Avp32(FramingCaps, 3),
            Avp16(AssignedTunnelId, tunnelId), .. extra]);

    private static (L2tpServer Server, TestClock Clock, FakeLac Lac) Start(L2tpServerOptions? options = null, int seed = 20)
    {
        var clock = new TestClock();
        var server = new L2tpServer(options ?? new L2tpServerOptions(), new L2tpTestRandom(seed));
        return (server, clock, FakeLac.For(server, clock, ClientSccrqs.Windows));
    }

    /// <summary>The SCCRQ is refused: a StopCCN to the peer's tunnel id with our own, no tunnel up.</summary>
    private static Parsed ExpectRefusal(FakeLac lac, byte[] sccrq, ushort peerTunnelId)
    {
        int tunnels = lac.Server.TunnelCount;
        lac.Send(sccrq);
        var stop = lac.Expect(StopCcn);
        Assert.Equal(peerTunnelId, stop.TunnelId);
        Assert.Equal((ushort)1, stop.Nr);
        Assert.NotEqual((ushort)0, stop.Get16(AssignedTunnelId)!.Value);
        Assert.Empty(lac.Events.OfType<L2tpTunnelUp>());
        Assert.Empty(lac.Events.OfType<L2tpTunnelDown>());
        Assert.Equal(tunnels, lac.Server.TunnelCount);
        return stop;
    }

    [Fact]
    public void Unknown_mandatory_avp_in_sccrq_is_result_2_error_8()
    {
        var (server, clock, lac) = Start();
        var stop = ExpectRefusal(lac, Sccrq(1, Avp(200, [1, 2, 3])), 1);
        var (result, error, message) = stop.Result();
        Assert.Equal(((ushort)2, (ushort?)8), (result, error));
        Assert.Contains("0:200", message);

        // Once the peer acknowledges the StopCCN the refused tunnel only lingers (a crossing
        // StopCCN of the peer's still gets its ZLB), then it is gone.
        lac.ServerTunnelId = stop.Get16(AssignedTunnelId)!.Value;
        lac.Ns = 1;
        lac.SendZlb();
        lac.SendControl(0, Type(StopCcn), Avp16(AssignedTunnelId, 1), Avp(ResultCode, U16(1)));
        Assert.True(lac.Received[^1].Message.IsZlb);
        Assert.Equal(0, server.TunnelCount);
        clock.Advance(32);
        lac.Tick();
        lac.SendControl(0, Type(Hello));
        Assert.Equal(1, server.Drops["control: unknown tunnel"]);
    }

    [Fact]
    public void Vendor_specific_mandatory_avp_is_refused_too()
    {
        var (_, _, lac) = Start();
        var stop = ExpectRefusal(lac, Sccrq(1, Avp(1, [0], vendor: 311)), 1);
        Assert.Equal(((ushort)2, (ushort?)8), (stop.Result().Result, stop.Result().Error));
    }

    [Fact]
    public void Unknown_avps_without_the_m_bit_are_ignored()
    {
        var (server, _, lac) = Start();
        lac.BringUpTunnel(Sccrq(1, Avp(200, [1, 2, 3], mandatory: false), Avp(1, [0], mandatory: false, vendor: 311),
            Avp(TieBreaker, new byte[8], mandatory: false)));
        Assert.Single(lac.Events.OfType<L2tpTunnelUp>());
        Assert.Equal(1, server.TunnelCount);
    }

    [Fact]
    public void Unknown_mandatory_avp_in_icrq_refuses_the_call_not_the_tunnel()
    {
        var (server, _, lac) = Start();
        lac.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        lac.SendControl(0, Type(Icrq), Avp16(AssignedSessionId, 7), Avp32(CallSerialNumber, 1), Avp(300, [9]));
        var cdn = lac.Expect(Cdn);
        Assert.Equal((ushort)7, cdn.SessionId);
        Assert.Equal(((ushort)2, (ushort?)8), (cdn.Result().Result, cdn.Result().Error));
        Assert.Equal(0, server.SessionCount);
        Assert.Equal(1, server.TunnelCount);
        lac.BringUpSession(8);
        Assert.Equal(1, server.SessionCount);
    }

    [Fact]
    public void Unknown_mandatory_avp_in_iccn_clears_that_session()
    {
        var (server, _, lac) = Start();
        lac.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        lac.SendControl(0, Type(Icrq), Avp16(AssignedSessionId, 7), Avp32(CallSerialNumber, 1));
        ushort session = lac.Expect(Icrp).Get16(AssignedSessionId)!.Value;
        lac.SendControl(session, Type(Iccn), Avp32(TxConnectSpeed, 1), Avp32(FramingType, 1), Avp(301, [1]));
        var cdn = lac.Expect(Cdn);
        Assert.Equal(((ushort)2, (ushort?)8), (cdn.Result().Result, cdn.Result().Error));
        Assert.Empty(lac.Events.OfType<L2tpSessionUp>());
        Assert.Equal(0, server.SessionCount);
    }

    [Fact]
    public void Unknown_mandatory_avp_in_hello_clears_the_tunnel()
    {
        var (server, _, lac) = Start();
        lac.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        lac.BringUpSession(3);
        lac.SendControl(0, Type(Hello), Avp(250, []));
        var stop = lac.Expect(StopCcn);
        Assert.Equal(((ushort)2, (ushort?)8), (stop.Result().Result, stop.Result().Error));
        Assert.Single(lac.Events.OfType<L2tpSessionDown>());
        Assert.Single(lac.Events.OfType<L2tpTunnelDown>());
        Assert.Equal(0, server.TunnelCount);
    }

    [Fact]
    public void Unknown_message_type_clears_the_tunnel_only_with_the_m_bit()
    {
        var (server, _, lac) = Start();
        lac.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        lac.SendControl(0, Avp16(MessageType, 99, mandatory: false));
        Assert.True(lac.Received[^1].Message.IsZlb);
        Assert.Equal(1, server.Drops["control: unknown message type ignored"]);
        lac.SendControl(0, Avp16(MessageType, 99));
        var stop = lac.Expect(StopCcn);
        Assert.Equal(((ushort)2, (ushort?)8), (stop.Result().Result, stop.Result().Error));
        Assert.Single(lac.Events.OfType<L2tpTunnelDown>());
    }

    [Fact]
    public void Other_protocol_version_is_result_5_with_our_version_as_error_code()
    {
        var (_, _, lac) = Start();
        var sccrq = Control(0, 0, 0, 0, Type(TestWire.Sccrq), Avp16(ProtocolVersion, 0x0200), Avp(HostName, Ascii("lac")),
            Avp32(FramingCaps, 3), Avp16(AssignedTunnelId, 1));
        var stop = ExpectRefusal(lac, sccrq, 1);
        Assert.Equal(((ushort)5, (ushort?)0x0100), (stop.Result().Result, stop.Result().Error));
    }

    [Fact]
    public void Missing_required_avp_or_zero_window_is_result_2_error_3()
    {
        var (_, _, lac) = Start();
        var noHost = Control(0, 0, 0, 0, Type(TestWire.Sccrq), Avp16(ProtocolVersion, 0x0100), Avp32(FramingCaps, 3), Avp16(AssignedTunnelId, 1));
        var stop = ExpectRefusal(lac, noHost, 1);
        Assert.Equal(((ushort)2, (ushort?)3), (stop.Result().Result, stop.Result().Error));

        var (_, _, other) = Start(seed: 21);
        var zeroWindow = Sccrq(1, Avp16(ReceiveWindow, 0));
        Assert.Equal((ushort?)3, ExpectRefusal(other, zeroWindow, 1).Result().Error);
    }

    [Fact]
    public void Wrong_avp_length_is_result_2_error_2()
    {
        var (_, _, lac) = Start();
        var badLength = Sccrq(1, Avp(ReceiveWindow, [0, 0, 4]));
        var refusal = ExpectRefusal(lac, badLength, 1);
        Assert.Equal(((ushort)2, (ushort?)2), (refusal.Result().Result, refusal.Result().Error));

        // An AVP whose length runs past the message, on an established tunnel.
        var (server, _, established) = Start(seed: 22);
        established.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        var icrq = established.Build(0, Type(Icrq), Avp16(AssignedSessionId, 7));
        icrq[^7] = 0x20; // the Assigned Session ID AVP now claims 32 bytes
        established.Ns++;
        established.Send(icrq);
        var stop = established.Expect(StopCcn);
        Assert.Equal(((ushort)2, (ushort?)2), (stop.Result().Result, stop.Result().Error));
        Assert.Equal(0, server.TunnelCount);
    }

    [Fact]
    public void Sccrq_without_assigned_tunnel_id_or_with_the_wrong_tunnel_is_dropped_silently()
    {
        var (server, _, lac) = Start();
        lac.Send(Control(0, 0, 0, 0, Type(TestWire.Sccrq), Avp16(ProtocolVersion, 0x0100)));
        lac.Send(Control(0, 0, 0, 0));
        lac.Send(Control(0, 0, 0, 0, Type(Hello)));
        Assert.Empty(lac.Received);
        Assert.Equal(1, server.Drops["control: SCCRQ without Assigned Tunnel ID"]);
        Assert.Equal(1, server.Drops["control: ZLB for tunnel 0"]);
        Assert.Equal(1, server.Drops["control: tunnel 0 but not SCCRQ"]);
    }

    [Fact]
    public void Call_before_the_tunnel_is_connected_is_a_state_machine_error()
    {
        var (_, _, lac) = Start();
        lac.Send(ClientSccrqs.Windows.Bytes);
        lac.Ns = 1;
        lac.ServerTunnelId = lac.Expect(Sccrp).Get16(AssignedTunnelId)!.Value;
        lac.SendControl(0, Type(Icrq), Avp16(AssignedSessionId, 7));
        Assert.Equal((ushort)7, lac.Expect(StopCcn).Result().Result);
    }

    [Fact]
    public void Outgoing_call_request_is_refused_with_a_cdn()
    {
        var (server, _, lac) = Start();
        lac.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        lac.SendControl(0, Type(Ocrq), Avp16(AssignedSessionId, 12), Avp32(CallSerialNumber, 1), Avp32(MinimumBps, 0),
            Avp32(MaximumBps, 1), Avp32(BearerType, 3), Avp32(FramingType, 3), Avp(CalledNumber, Ascii("123")));
        var cdn = lac.Expect(Cdn);
        Assert.Equal((ushort)12, cdn.SessionId);
        Assert.Equal((ushort)5, cdn.Result().Result);
        Assert.Equal(0, server.SessionCount);
        Assert.Equal(1, server.TunnelCount);
    }

    [Fact]
    public void Wen_and_sli_are_acknowledged_and_ignored()
    {
        var (server, _, lac) = Start();
        lac.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        ushort session = lac.BringUpSession(2);
        lac.SendControl(session, Type(Wen), Avp(CallErrors, new byte[26]));
        Assert.True(lac.Received[^1].Message.IsZlb);
        lac.SendControl(session, Type(Sli), Avp(Accm, new byte[10]));
        Assert.True(lac.Received[^1].Message.IsZlb);
        lac.ExpectNoMessage();
        Assert.Equal(1, server.SessionCount);
    }

    [Fact]
    public void Tunnel_and_session_limits_are_refused_with_insufficient_resources()
    {
        var options = new L2tpServerOptions { MaxTunnels = 2, MaxSessionsPerTunnel = 1 };
        var clock = new TestClock();
        var server = new L2tpServer(options, new L2tpTestRandom(23));
        var lacs = Enumerable.Range(0, 3).Select(i => FakeLac.For(server, clock, ClientSccrqs.Windows, port: 1701 + i, carrier: (ulong)i + 1)).ToList();
        lacs[0].BringUpTunnel(ClientSccrqs.Windows.Bytes);
        lacs[1].BringUpTunnel(ClientSccrqs.Windows.Bytes);
        var stop = ExpectRefusal(lacs[2], ClientSccrqs.Windows.Bytes, 1);
        Assert.Equal(((ushort)2, (ushort?)4), (stop.Result().Result, stop.Result().Error));
        Assert.Equal(2, server.TunnelCount);

        lacs[0].BringUpSession(1);
        lacs[0].SendControl(0, Type(Icrq), Avp16(AssignedSessionId, 2), Avp32(CallSerialNumber, 2));
        var cdn = lacs[0].Expect(Cdn);
        Assert.Equal((ushort)2, cdn.SessionId);
        Assert.Equal(((ushort)2, (ushort?)4), (cdn.Result().Result, cdn.Result().Error));
        Assert.Equal(1, server.SessionCount);
    }

    [Fact]
    public void Other_versions_and_broken_headers_are_dropped_by_reason()
    {
        var (server, _, lac) = Start();
        var v3 = ClientSccrqs.Windows.Bytes;
        v3[1] = 0x03;
        lac.Send(v3);
        var l2f = ClientSccrqs.Windows.Bytes;
        l2f[1] = 0x01;
        lac.Send(l2f);
        var noSequence = ClientSccrqs.Windows.Bytes;
        noSequence[0] = 0xC0;
        lac.Send(noSequence);
        lac.Send(ClientSccrqs.Windows.Bytes[..5]);
        Assert.Empty(lac.Received);
        Assert.Equal(1, server.Drops["header: L2TPv3 (version 3)"]);
        Assert.Equal(1, server.Drops["header: L2F (version 1)"]);
        Assert.Equal(1, server.Drops["header: control message without L or S bit"]);
        Assert.Equal(1, server.Drops["header: bad length field"]);
    }
}
