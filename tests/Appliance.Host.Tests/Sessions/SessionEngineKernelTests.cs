using System.Buffers.Binary;
using System.Net;
using Appliance.Host.Daemon.Sessions;
using Appliance.Protocols.L2tp;
using Appliance.Services.Config.Values;
using Appliance.Services.Logging;
using Appliance.Services.Users;
using Appliance.Store;

namespace Appliance.Host.Tests.Sessions;

/// <summary>
/// The session engine with a fake kernel datapath: a tunnel goes to the kernel at SCCCN, its
/// session at ICCN before PPP's first frame (which then leaves through the channel, not as
/// L2TP data), and the carrier going away closes the kernel session before the kernel tunnel.
/// A tunnel the kernel refuses (same-NAT 4-tuple) stays entirely in the process.
/// </summary>
public sealed class SessionEngineKernelTests : IDisposable
{
    private const uint Carrier = 0x4c320001;
    private static readonly IPEndPoint Client = new(IPAddress.Parse("203.0.113.2"), 1701);
    private static readonly IPEndPoint Box = new(IPAddress.Parse("203.0.113.1"), 1701);
    private readonly TempDir _dir = new();
    private readonly ApplianceStore _store;
    private readonly PasswordSealer _sealer;
    private readonly FakeKernel _kernel = new();
    private readonly FakeTransport _transport = new();
    private readonly SessionEngine _engine;
    private readonly DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public SessionEngineKernelTests()
    {
        _store = ApplianceStore.Open(_dir.Path);
        _sealer = new PasswordSealer(DeviceKey.LoadOrCreate(_dir.Path));
        var users = new UserService(_store, _sealer, TimeProvider.System);
        Assert.Null(Ipv4Range.TryParse("192.168.8.200-192.168.8.220", out var pool));
        var options = new SessionEngineOptions(pool, [], IPAddress.Parse("192.168.8.1"), [], AllowPap: false, HostName: "test");
        _engine = new SessionEngine(options, users, _transport, new Log(TextWriter.Null, TimeProvider.System), _kernel);
    }

    public void Dispose()
    {
        _sealer.Dispose();
        _store.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Tunnel_and_session_move_to_the_kernel_and_are_closed_session_first()
    {
        var (serverTunnel, serverSession) = BringUp();
        Assert.Equal(["open-tunnel " + serverTunnel, "open-session 1 " + serverTunnel + " " + serverSession, "send 1 c021"], _kernel.Calls.Take(3));
        // PPP's first frame (LCP Configure-Request) went through the channel, not as L2TP data.
        Assert.DoesNotContain(_transport.Sent, d => L2tpDataCodec.TryParseData(d, out _, out _, out _));
        Assert.Equal("kernel l2tp, ip in process", Assert.Single(_engine.Statuses(_now)).Datapath);

        _kernel.Calls.Clear();
        _engine.OnCarrierGone(Carrier, Client, _now);
        Assert.Equal(["close-session 1", "close-tunnel " + serverTunnel], _kernel.Calls.Where(c => c.StartsWith("close", StringComparison.Ordinal)));
        Assert.Empty(_engine.Statuses(_now));
    }

    [Fact]
    public void A_tunnel_the_kernel_refuses_stays_in_the_process()
    {
        _kernel.RefuseTunnels = true;
        BringUp();
        Assert.DoesNotContain(_kernel.Calls, c => c.StartsWith("open-session", StringComparison.Ordinal) || c.StartsWith("send", StringComparison.Ordinal));
        // LCP went out as L2TP data from this process.
        Assert.Contains(_transport.Sent, d => L2tpDataCodec.TryParseData(d, out _, out _, out _));
        Assert.Equal("process", Assert.Single(_engine.Statuses(_now)).Datapath);
        _engine.OnCarrierGone(Carrier, Client, _now);
        Assert.DoesNotContain(_kernel.Calls, c => c.StartsWith("close", StringComparison.Ordinal));
    }

    [Fact]
    public void Frames_from_the_channel_reach_the_sessions_ppp_and_unknown_ones_are_dropped()
    {
        BringUp();
        // An LCP Configure-Request from the client (MRU 1400): PPP answers through the channel.
        _kernel.Calls.Clear();
        _engine.OnKernelFrame(1, Convert.FromHexString("C0210101000801040578"), _now);
        Assert.Contains(_kernel.Calls, c => c.StartsWith("send 1 c021", StringComparison.Ordinal));
        _engine.OnKernelFrame(99, [0xC0, 0x21, 1, 1, 0, 4], _now);
        Assert.Equal(1, _engine.Drops["ppp channel frame for an unknown session"]);
    }

    // --- a minimal LAC ------------------------------------------------------------------------

    private ushort _ns, _nr;

    /// <summary>SCCRQ, SCCCN, ICRQ, ICCN: returns the server's tunnel and session ids.</summary>
    private (ushort Tunnel, ushort Session) BringUp()
    {
        Send(Control(0, 0, Type(1), Avp16(2, 0x0100), Avp(7, "lac"u8.ToArray()), Avp32(3, 3), Avp16(9, 7)));
        ushort tunnel = Avp16Of(LastControl(), 9);
        Send(Control(tunnel, 0, Type(3)));
        Send(Control(tunnel, 0, Type(10), Avp16(14, 5), Avp32(15, 1)));
        ushort session = Avp16Of(LastControl(), 14);
        Send(Control(tunnel, session, Type(12), Avp32(24, 100_000_000), Avp32(19, 1)));
        return (tunnel, session);
    }

    private void Send(byte[] message)
    {
        _ns++;
        _engine.OnL2tp(Carrier, Client, Box, message, _now);
    }

    private byte[] LastControl()
    {
        var control = _transport.Sent.Last(d => (d[0] & 0x80) != 0 && BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(2)) > 12);
        _nr++;
        return control;
    }

    private byte[] Control(ushort tunnel, ushort session, params byte[][] avps)
    {
        int length = 12 + avps.Sum(a => a.Length);
        var m = new byte[length];
        BinaryPrimitives.WriteUInt16BigEndian(m, 0xC802);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), tunnel);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(6), session);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(8), _ns);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(10), _nr);
        int o = 12;
        foreach (var a in avps) { a.CopyTo(m, o); o += a.Length; }
        return m;
    }

    private static byte[] Avp(ushort type, byte[] value)
    {
        var a = new byte[6 + value.Length];
        BinaryPrimitives.WriteUInt16BigEndian(a, (ushort)(0x8000 | a.Length));
        BinaryPrimitives.WriteUInt16BigEndian(a.AsSpan(4), type);
        value.CopyTo(a, 6);
        return a;
    }

    private static byte[] Avp16(ushort type, ushort value) => Avp(type, [(byte)(value >> 8), (byte)value]);
    private static byte[] Avp32(ushort type, uint value) => Avp(type, [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
    private static byte[] Type(ushort messageType) => Avp16(0, messageType);

    private static ushort Avp16Of(byte[] message, ushort type)
    {
        for (int o = 12; o + 6 <= message.Length;)
        {
            int len = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(o)) & 0x3FF;
            if (len < 6) break;
            if (BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(o + 4)) == type) return BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(o + 6));
            o += len;
        }
        throw new InvalidOperationException($"no AVP {type} in the server's reply");
    }

    private sealed class FakeTransport : ISessionTransport
    {
        public List<byte[]> Sent { get; } = [];
        public void SendL2tp(L2tpPeer to, byte[] datagram) => Sent.Add(datagram);
        public bool WriteIp(ReadOnlySpan<byte> packet) => true;
        public List<string> Routing { get; } = [];
        public void AddressUp(IPAddress clientAddress, int mtu) => Routing.Add($"route {clientAddress} mtu {mtu}");
        public void LimitMss(IPAddress clientAddress, int linkMtu) => Routing.Add($"mss {clientAddress} {linkMtu}");
        public void UnlimitMss(IPAddress clientAddress) => Routing.Add($"unlimit {clientAddress}");
        public void AddressDown(IPAddress clientAddress) { }
        public void TearDownCarrier(uint carrier, string reason) { }
    }

    private sealed class FakeKernel : IKernelL2tp
    {
        public List<string> Calls { get; } = [];
        public bool RefuseTunnels { get; set; }

        public bool TryOpenTunnel(ushort tunnelId, ushort peerTunnelId, L2tpPeer peer, out string? reason)
        {
            reason = RefuseTunnels ? "tunnel 1 (another client behind the same NAT) holds it" : null;
            if (!RefuseTunnels) Calls.Add($"open-tunnel {tunnelId}");
            return !RefuseTunnels;
        }

        public bool TryOpenSession(long id, ushort tunnelId, ushort sessionId, ushort peerTunnelId, ushort peerSessionId, out string? reason)
        {
            Calls.Add($"open-session {id} {tunnelId} {sessionId}");
            reason = null;
            return true;
        }

        public bool SendFrame(long id, ReadOnlySpan<byte> frame)
        {
            // What the channel gets: the protocol first (FF 03 is the kernel's to add).
            var f = frame.Length >= 2 && frame[0] == 0xFF && frame[1] == 0x03 ? frame[2..] : frame;
            Calls.Add($"send {id} {Convert.ToHexString(f[..2]).ToLowerInvariant()}");
            return true;
        }

        public bool TryNetworkUp(long id, IPAddress local, IPAddress peer, int mtu, out string? interfaceName, out string? reason)
        {
            Calls.Add($"network-up {id}");
            interfaceName = "ppp0";
            reason = null;
            return true;
        }

        public void NetworkDown(long id) => Calls.Add($"network-down {id}");
        public (long In, long Out)? Counters(long id) => (0, 0);
        public void CloseSession(long id) => Calls.Add($"close-session {id}");
        public void CloseTunnel(ushort tunnelId) => Calls.Add($"close-tunnel {tunnelId}");
    }
}
