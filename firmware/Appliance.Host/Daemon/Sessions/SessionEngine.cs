using System.Net;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.L2tp;
using Appliance.Protocols.Ppp;
using Appliance.Services.Config.Values;
using Appliance.Services.Logging;
using Appliance.Services.Status;
using Appliance.Services.Users;
using Appliance.Services.Vpn;

namespace Appliance.Host.Daemon.Sessions;

/// <summary>
/// Every client's chain above ESP: its L2TP tunnel and session, its PPP link, user and address,
/// and the IP packets between its PPP link and the box's VPN interface. Runs on the IKE runner's
/// task (one task owns IKE, ESP, L2TP and PPP state, so nothing needs a lock but status reads).
/// Any link that goes down takes the rest of its chain with it: PPP down closes the L2TP session;
/// a tunnel that goes down asks the IKE layer to delete that client's SAs; SAs that go away close
/// the client's tunnels.
/// </summary>
internal sealed class SessionEngine : IPppAuthority
{
    private readonly L2tpServer _l2tp;
    private readonly ISessionTransport _transport;
    private readonly UserService _users;
    private readonly AddressPool _pool;
    private readonly PppSessionOptions _pppOptions;
    private readonly Log _log;
    private readonly Dictionary<(ushort Tunnel, ushort Session), VpnSession> _sessions = [];
    private readonly Dictionary<uint, VpnSession> _byAddress = [];
    private readonly Dictionary<long, VpnSession> _byId = [];
    private bool _kernelRefusalLogged;
    private readonly Dictionary<ushort, L2tpTunnelInfo> _tunnelInfo = [];
    /// <summary>Tunnels whose data runs in the kernel (null: no kernel L2TP datapath).</summary>
    private readonly IKernelL2tp? _kernel;
    private readonly HashSet<ushort> _kernelTunnels = [];
    private readonly Dictionary<string, long> _drops = new(StringComparer.Ordinal);
    private readonly LoginFailures _failedLogins = new();
    private long _nextId = 1;
    private long _logins;

    public SessionEngine(SessionEngineOptions options, UserService users, ISessionTransport transport, Log log, IKernelL2tp? kernel = null)
    {
        _kernel = kernel;
        _l2tp = new L2tpServer(new L2tpServerOptions { HostName = options.HostName, VendorName = "appliance" }, SystemRandomSource.Instance);
        _users = users;
        _transport = transport;
        _log = log;
        _pool = new AddressPool(options.Pool, options.StaticAddresses);
        _pppOptions = new PppSessionOptions
        {
            LocalAddress = options.LocalAddress,
            Dns1 = options.Dns.Count > 0 ? options.Dns[0] : null,
            Dns2 = options.Dns.Count > 1 ? options.Dns[1] : null,
            AllowPap = options.AllowPap,
            ServerName = options.HostName,
        };
    }

    public int Count => _sessions.Count;
    public long Logins => _logins;
    public long LoginFailures => _failedLogins.Total;
    public IReadOnlyDictionary<string, long> LoginFailuresByUser => _failedLogins.ByUser;
    public IReadOnlyDictionary<string, long> LoginFailuresBySource => _failedLogins.BySource;
    public IReadOnlyDictionary<string, long> Drops => _drops;

    /// <summary>An L2TP datagram that came through the SA(s) of <paramref name="carrier"/>.</summary>
    public void OnL2tp(uint carrier, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> datagram, DateTimeOffset now)
    {
        // Data messages take the short way: straight to the session's PPP link, and IP packets
        // straight to the VPN interface. Control messages go to the L2TP core.
        if (L2tpDataCodec.TryParseData(datagram, out ushort tunnelId, out ushort sessionId, out var payload))
        {
            if (!_sessions.TryGetValue((tunnelId, sessionId), out var session) || session.Peer.Carrier != carrier)
            {
                Drop("L2TP data for an unknown session");
                return;
            }
            var frame = datagram[payload];
            session.BytesIn += frame.Length;
            if (PppFraming.TryGetIpPacket(frame, out var ip))
            {
                if (session.Address is null) { Drop("IP before IPCP"); return; }
                if (!ValidSource(frame[ip], session.Address)) { Drop("IP from a spoofed source"); return; }
                if (!_transport.WriteIp(frame[ip])) Drop("VPN interface busy");
                return;
            }
            Run(session, session.Ppp.Receive(frame, now), now);
            return;
        }
        Handle(_l2tp.Receive(datagram, new L2tpPeer(remote, local, carrier), now), now);
    }

    /// <summary>An IP packet the box routes into the VPN interface: to the session holding its
    /// destination address.</summary>
    public void OnIpFromInterface(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 20 || packet[0] >> 4 != 4) { Drop("non-IPv4 packet from the interface"); return; }
        uint destination = (uint)(packet[16] << 24 | packet[17] << 16 | packet[18] << 8 | packet[19]);
        if (!_byAddress.TryGetValue(destination, out var session)) { Drop("no session for the destination"); return; }
        SendFrame(session, PppFraming.EncodeIp(packet));
    }

    /// <summary>A PPP frame to the client: through the session's ppp channel when the kernel
    /// carries the session (the kernel counts it), else as L2TP data from this process.</summary>
    private void SendFrame(VpnSession session, byte[] frame)
    {
        if (session.Datapath != SessionDatapath.Process && _kernel is not null)
        {
            if (!_kernel.SendFrame(session.Id, frame)) Drop("ppp channel busy");
            return;
        }
        session.BytesOut += frame.Length;
        _transport.SendL2tp(session.Peer, L2tpDataCodec.EncodeData(session.PeerTunnelId, session.PeerSessionId, frame));
    }

    /// <summary>A frame from a kernel session's ppp channel: PPP control for the session's PPP
    /// link, or, when the session has no unit (its setup failed), an IP packet for the VPN interface.</summary>
    public void OnKernelFrame(long sessionId, ReadOnlySpan<byte> frame, DateTimeOffset now)
    {
        if (!_byId.TryGetValue(sessionId, out var session) || session.Datapath == SessionDatapath.Process)
        {
            Drop("ppp channel frame for an unknown session");
            return;
        }
        if (PppFraming.TryGetIpPacket(frame, out var ip))
        {
            if (session.Address is null) { Drop("IP before IPCP"); return; }
            if (!ValidSource(frame[ip], session.Address)) { Drop("IP from a spoofed source"); return; }
            if (!_transport.WriteIp(frame[ip])) Drop("VPN interface busy");
            return;
        }
        Run(session, session.Ppp.Receive(frame, now), now);
    }

    public void Tick(DateTimeOffset now)
    {
        Handle(_l2tp.Tick(now), now);
        foreach (var session in _sessions.Values.ToList())
            if (session.Ppp.NextTimer is { } t && t <= now) Run(session, session.Ppp.Tick(now), now);
    }

    /// <summary>The client's last ESP SAs are gone: its tunnels and sessions end with them.</summary>
    public void OnCarrierGone(uint carrier, IPEndPoint peerAddress, DateTimeOffset now) =>
        Handle(_l2tp.CloseTunnelsOf(new L2tpPeer(peerAddress, peerAddress, carrier), "IPsec SAs gone"), now);

    /// <summary>The admin's disconnect: PPP says goodbye, the rest follows.</summary>
    public bool Kill(long id, DateTimeOffset now)
    {
        if (!_byId.TryGetValue(id, out var session)) return false;
        _log.Info("session", "disconnected by the admin", ("id", id), ("user", session.User));
        Run(session, session.Ppp.Close("disconnected by the administrator", now), now);
        return true;
    }

    /// <summary>Stopping: every session ends at once (the IKE Deletes follow from the caller).</summary>
    public void CloseAll(DateTimeOffset now)
    {
        foreach (var session in _sessions.Values.ToList()) Run(session, session.Ppp.Close("appliance stopping", now), now);
        foreach (var session in _sessions.Values.ToList()) Run(session, session.Ppp.LowerLayerDown("appliance stopping", now), now);
    }

    public int TunnelCount => _l2tp.TunnelCount;

    public IReadOnlyList<VpnSessionStatus> Statuses(DateTimeOffset now) =>
        _sessions.Values.OrderBy(s => s.Id).Select(s =>
        {
            var (bytesIn, bytesOut) = Bytes(s);
            return new VpnSessionStatus(
                s.Id, s.User, s.Peer.Remote.Address.ToString(), s.Peer.Remote.Port, s.Address?.ToString(),
                ClientKind.Guess(s.HostName, s.Vendor, s.Ppp.PeerIdentification),
                s.Ppp.Phase.ToString().ToLowerInvariant(), bytesIn, bytesOut, (long)(now - s.Created).TotalSeconds, DatapathLabel(s));
        }).ToList();

    /// <summary>What this process counted, plus the kernel session's counters once the kernel carries it.</summary>
    private (long In, long Out) Bytes(VpnSession s) =>
        s.Datapath != SessionDatapath.Process && _kernel?.Counters(s.Id) is { } k ? (s.BytesIn + k.In, s.BytesOut + k.Out) : (s.BytesIn, s.BytesOut);

    private static string DatapathLabel(VpnSession s) => s.Datapath switch
    {
        SessionDatapath.KernelUnit => "kernel " + s.InterfaceName,
        SessionDatapath.KernelChannel => "kernel l2tp, ip in process",
        _ => "process",
    };

    // --- L2TP actions -----------------------------------------------------------------------

    private void Handle(List<L2tpAction> actions, DateTimeOffset now)
    {
        foreach (var action in actions)
        {
            switch (action)
            {
                case L2tpSend send:
                    _transport.SendL2tp(send.To, send.Data);
                    break;
                case L2tpLog l:
                    _log.Write(Level(l.Level), "l2tp", l.Message, l.Fields);
                    break;
                case L2tpTunnelUp up:
                    _tunnelInfo[up.TunnelId] = up.Info;
                    _log.Info("l2tp", "tunnel up", ("tunnel", up.TunnelId), ("peer", up.Peer.Remote), ("host", up.Info.HostName),
                        ("vendor", up.Info.VendorName));
                    OpenKernelTunnel(up);
                    break;
                case L2tpSessionUp up:
                    StartSession(up, now);
                    break;
                case L2tpSessionDown down:
                    if (_sessions.TryGetValue((down.TunnelId, down.SessionId), out var ending))
                        Run(ending, ending.Ppp.LowerLayerDown("L2TP session closed: " + down.Reason, now), now);
                    break;
                case L2tpTunnelDown down:
                    _tunnelInfo.Remove(down.TunnelId);
                    CloseKernelTunnel(down.TunnelId);
                    _log.Info("l2tp", "tunnel down", ("tunnel", down.TunnelId), ("reason", down.Reason));
                    break;
                case L2tpPppFrame frame:
                    if (_sessions.TryGetValue((frame.TunnelId, frame.SessionId), out var s))
                        Run(s, s.Ppp.Receive(frame.Frame.Span, now), now);
                    break;
            }
        }
    }

    private void StartSession(L2tpSessionUp up, DateTimeOffset now)
    {
        _tunnelInfo.TryGetValue(up.TunnelId, out var info);
        var session = new VpnSession(_nextId++, up.TunnelId, up.SessionId, up.PeerTunnelId, up.PeerSessionId, up.Peer,
            new PppSession(_pppOptions, this, SystemRandomSource.Instance), now, info?.HostName, info?.VendorName);
        _sessions[(up.TunnelId, up.SessionId)] = session;
        _byId[session.Id] = session;
        // Into the kernel before PPP sends its first frame: from here on the session's frames
        // come from its ppp channel.
        if (_kernel is not null && _kernelTunnels.Contains(up.TunnelId))
        {
            if (_kernel.TryOpenSession(session.Id, up.TunnelId, up.SessionId, up.PeerTunnelId, up.PeerSessionId, out string? why))
                session.Datapath = SessionDatapath.KernelChannel;
            else
                _log.Warn("session", "kernel L2TP session refused; this session runs in the process", ("id", session.Id), ("error", why));
        }
        _log.Info("session", "L2TP session up; PPP starting", ("id", session.Id), ("peer", up.Peer.Remote), ("host", info?.HostName),
            ("datapath", session.Datapath == SessionDatapath.Process ? "process" : "kernel"));
        Run(session, session.Ppp.Start(now), now);
    }

    private void OpenKernelTunnel(L2tpTunnelUp up)
    {
        if (_kernel is null) return;
        if (_kernel.TryOpenTunnel(up.TunnelId, up.PeerTunnelId, up.Peer, out string? why))
        {
            _kernelTunnels.Add(up.TunnelId);
            _log.Info("l2tp", "tunnel data in the kernel", ("tunnel", up.TunnelId), ("peer", up.Peer.Remote));
        }
        else if (!_kernelRefusalLogged || why?.Contains("same NAT", StringComparison.Ordinal) == true)
        {
            // A refusal of the kernel itself (a module missing) is logged once; a 4-tuple taken
            // by another client behind the same NAT every time, since it is per client.
            if (why?.Contains("same NAT", StringComparison.Ordinal) != true) _kernelRefusalLogged = true;
            _log.Info("l2tp", "tunnel data stays in the process", ("tunnel", up.TunnelId), ("peer", up.Peer.Remote), ("reason", why));
        }
    }

    private void CloseKernelTunnel(ushort tunnelId)
    {
        if (_kernelTunnels.Remove(tunnelId)) _kernel?.CloseTunnel(tunnelId);
    }

    // --- PPP actions ------------------------------------------------------------------------

    private void Run(VpnSession session, List<PppAction> actions, DateTimeOffset now)
    {
        foreach (var action in actions)
        {
            switch (action)
            {
                case PppSendFrame send:
                    SendFrame(session, send.Frame);
                    break;
                case PppIpPacket ip:
                    if (!_transport.WriteIp(ip.Packet.Span)) Drop("VPN interface busy");
                    break;
                case PppLog l:
                    _log.Write(Level(l.Level), "ppp", l.Message, [("session", session.Id), .. l.Fields]);
                    break;
                case PppAuthenticated a:
                    session.User = a.UserName;
                    _logins++;
                    _log.Info("ppp", "user authenticated", ("session", session.Id), ("user", a.UserName), ("method", a.Method),
                        ("peer", session.Peer.Remote));
                    break;
                case PppAuthenticationFailed f:
                    var (forUser, forSource) = _failedLogins.Add(f.UserName, session.Peer.Remote.Address.ToString());
                    _log.Warn("ppp", "authentication failed", ("session", session.Id), ("user", f.UserName), ("reason", f.Reason),
                        ("peer", session.Peer.Remote), ("failures_for_user", forUser), ("failures_from_source", forSource));
                    break;
                case PppNetworkUp up:
                    session.Address = up.PeerAddress;
                    _byAddress[Ipv4.FromIPAddress(up.PeerAddress)] = session;
                    NetworkUp(session, up);
                    _log.Info("session", "connected", ("id", session.Id), ("user", session.User), ("address", up.PeerAddress),
                        ("peer", session.Peer.Remote), ("mru", up.Mru), ("datapath", DatapathLabel(session)));
                    break;
                case PppNetworkDown down:
                    ForgetAddress(session, down.PeerAddress);
                    break;
                case PppAddressReleased released:
                    ForgetAddress(session, released.Address);
                    break;
                case PppLinkDown down:
                    EndSession(session, down.Reason, now);
                    break;
            }
        }
    }

    /// <summary>A kernel session gets its unit pppN (address, peer route, MTU); when that fails, or
    /// the session is not in the kernel, the VPN interface carries its IP with a host route.</summary>
    private void NetworkUp(VpnSession session, PppNetworkUp up)
    {
        if (session.Datapath != SessionDatapath.Process && _kernel is not null)
        {
            // The MTU of the VPN interface: the MSS clamp and the client's pppd assume it.
            int mtu = Math.Min(up.Mru, VpnInterface.Mtu);
            if (_kernel.TryNetworkUp(session.Id, up.LocalAddress, up.PeerAddress, mtu, out string? name, out string? why))
            {
                session.Datapath = SessionDatapath.KernelUnit;
                session.InterfaceName = name;
                _transport.LimitMss(up.PeerAddress, mtu);
                return;
            }
            session.Datapath = SessionDatapath.KernelChannel;
            _log.Warn("session", "ppp unit setup failed; this session's IP runs through the process", ("id", session.Id), ("error", why));
        }
        _transport.AddressUp(up.PeerAddress, up.Mru);
    }

    private void ForgetAddress(VpnSession session, IPAddress address)
    {
        uint key = Ipv4.FromIPAddress(address);
        if (_byAddress.TryGetValue(key, out var holder) && holder == session)
        {
            _byAddress.Remove(key);
            if (session.Datapath == SessionDatapath.KernelUnit && _kernel is not null)
            {
                // The unit goes with its address and peer route; LCP carries on over the channel.
                _kernel.NetworkDown(session.Id);
                _transport.UnlimitMss(address);
                session.Datapath = SessionDatapath.KernelChannel;
                session.InterfaceName = null;
            }
            else _transport.AddressDown(address);
        }
        if (session.Address is not null && session.Address.Equals(address)) session.Address = null;
    }

    private void EndSession(VpnSession session, string reason, DateTimeOffset now)
    {
        if (!_sessions.Remove((session.TunnelId, session.SessionId))) return;
        _byId.Remove(session.Id);
        var (bytesIn, bytesOut) = Bytes(session);
        if (session.Address is { } address) ForgetAddress(session, address);
        // Unit, channel, PPPoL2TP socket, kernel session: before the CDN, so no data follows it.
        if (session.Datapath != SessionDatapath.Process) _kernel?.CloseSession(session.Id);
        _log.Info("session", "ended", ("id", session.Id), ("user", session.User), ("reason", reason),
            ("bytes_in", bytesIn), ("bytes_out", bytesOut), ("duration_s", (long)(now - session.Created).TotalSeconds));
        // The L2TP session goes (CDN); a tunnel without sessions goes too (StopCCN), and with it
        // the client's IPsec SAs: the whole chain is torn down together.
        Handle(_l2tp.CloseSession(session.TunnelId, session.SessionId, reason, now), now);
        if (!_sessions.Values.Any(s => s.TunnelId == session.TunnelId))
        {
            Handle(_l2tp.CloseTunnel(session.TunnelId, reason, now), now);
            CloseKernelTunnel(session.TunnelId);
            _transport.TearDownCarrier((uint)session.Peer.Carrier, reason);
        }
    }

    // --- IPppAuthority ----------------------------------------------------------------------

    public PppUserSecret? FindUser(string userName)
    {
        var c = _users.FindForLogin(userName);
        return c is null ? null : new PppUserSecret(c.NtHash, c.Password, c.Enabled);
    }

    public IPAddress? AllocateAddress(string userName)
    {
        IPAddress? fixedAddress = _users.StaticAddressOf(userName) is { } s && IPAddress.TryParse(s, out var a) ? a : null;
        var address = _pool.Allocate(fixedAddress);
        if (address is null) _log.Warn("session", "no address for the user", ("user", userName), ("static", fixedAddress),
            ("pool_in_use", _pool.InUse));
        return address;
    }

    public void ReleaseAddress(IPAddress address) => _pool.Release(address);

    // --- helpers ------------------------------------------------------------------------------

    /// <summary>A client may only send from the address it was given (no spoofing into the LAN).</summary>
    private static bool ValidSource(ReadOnlySpan<byte> ip, IPAddress expected)
    {
        if (ip.Length < 20 || ip[0] >> 4 != 4) return false;
        Span<byte> want = stackalloc byte[4];
        expected.TryWriteBytes(want, out _);
        return ip.Slice(12, 4).SequenceEqual(want);
    }

    private void Drop(string reason) => _drops[reason] = _drops.GetValueOrDefault(reason) + 1;

    private static LogLevel Level(string level) => level switch
    {
        "debug" => LogLevel.Debug,
        "warn" => LogLevel.Warn,
        "error" => LogLevel.Error,
        _ => LogLevel.Info,
    };

    private sealed class VpnSession(long id, ushort tunnelId, ushort sessionId, ushort peerTunnelId, ushort peerSessionId,
        L2tpPeer peer, PppSession ppp, DateTimeOffset created, string? hostName, string? vendor)
    {
        public long Id { get; } = id;
        public ushort TunnelId { get; } = tunnelId;
        public ushort SessionId { get; } = sessionId;
        public ushort PeerTunnelId { get; } = peerTunnelId;
        public ushort PeerSessionId { get; } = peerSessionId;
        public L2tpPeer Peer { get; } = peer;
        public PppSession Ppp { get; } = ppp;
        public DateTimeOffset Created { get; } = created;
        public string? HostName { get; } = hostName;
        public string? Vendor { get; } = vendor;
        public string? User { get; set; }
        public IPAddress? Address { get; set; }
        public long BytesIn { get; set; }
        public long BytesOut { get; set; }
        public SessionDatapath Datapath { get; set; }
        /// <summary>pppN while the kernel carries the session's IP.</summary>
        public string? InterfaceName { get; set; }
    }

    /// <summary>Where a session's PPP data runs.</summary>
    private enum SessionDatapath
    {
        /// <summary>L2TP data and PPP in this process, IP through the VPN interface.</summary>
        Process,
        /// <summary>A kernel L2TP session and ppp channel; IP (if any) through this process.</summary>
        KernelChannel,
        /// <summary>Also a unit pppN: IP never enters this process.</summary>
        KernelUnit,
    }
}

/// <summary>What the session engine needs around it: the way to each client (through its SA),
/// the VPN interface, routes for client addresses, and the IKE layer for teardown.</summary>
internal interface ISessionTransport
{
    void SendL2tp(L2tpPeer to, byte[] datagram);
    bool WriteIp(ReadOnlySpan<byte> packet);
    /// <summary>The client's address is up on a link that carries <paramref name="mtu"/> bytes.</summary>
    void AddressUp(IPAddress clientAddress, int mtu);
    /// <summary>A client on a link of its own (pppN) that receives only <paramref name="linkMtu"/>
    /// bytes: its SYNs announce no more. <see cref="AddressDown"/> does the same for routed clients.</summary>
    void LimitMss(IPAddress clientAddress, int linkMtu);
    void UnlimitMss(IPAddress clientAddress);
    void AddressDown(IPAddress clientAddress);
    void TearDownCarrier(uint carrier, string reason);
}

internal sealed record SessionEngineOptions(
    Ipv4Range Pool,
    IReadOnlyList<uint> StaticAddresses,
    IPAddress LocalAddress,
    IReadOnlyList<IPAddress> Dns,
    bool AllowPap,
    string HostName);
