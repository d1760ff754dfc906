using System.Net;
using Appliance.Host.Daemon.Esp;
using Appliance.Host.Daemon.Sessions;
using Appliance.Protocols.L2tp;
using Appliance.Platform.Linux.Esp;
using Appliance.Platform.Linux.Netlink;
using Appliance.Platform.Linux.Probe;
using Appliance.Platform.Linux.Udp;
using Appliance.Protocols.Esp;
using Appliance.Protocols.Ike.Auth;
using Appliance.Protocols.Ike.Policy;
using Appliance.Protocols.Ike.Sa;
using Appliance.Services.Config;
using Appliance.Services.Logging;
using Appliance.Services.Status;
using Appliance.Services.Users;

namespace Appliance.Host.Daemon;

/// <summary>
/// Runs the VPN: one task reads datagrams from UDP 500/4500, ESP, L2TP (UDP 1701 on the kernel
/// datapath), the VPN interface and XFRM expire notifications, and feeds them, with the time, to
/// the I/O-free cores (IKE responder, L2TP server and PPP links through the session engine); the
/// actions they return are carried out here. One task means the cores need no locks; the lock
/// only guards status reads and admin commands.
/// </summary>
internal sealed class IkeRunner : IAsyncDisposable, ISessionTransport
{
    /// <summary>The cores' timers (L2TP retransmissions from 1 s on, PPP restarts of 3 s, HELLOs,
    /// echoes, IKE's seconds) are looked at on a tick: every 250 ms while anything happened in
    /// the last <see cref="BusyFor"/> (a message in or out: retransmissions follow it), else once
    /// a second. An idle box, or one whose sessions' data all runs in the kernel, then wakes
    /// once a second instead of four times: on a small board (and in the lab's emulated CPU)
    /// every wake-up of the daemon is time taken from the kernel's datapath.</summary>
    private static readonly TimeSpan BusyTick = TimeSpan.FromMilliseconds(250), IdleTick = TimeSpan.FromSeconds(1),
        BusyFor = TimeSpan.FromSeconds(10);
    private DateTimeOffset _busyUntil;
    private readonly IkeSockets _sockets;
    private readonly Log _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly IkeResponder _responder;
    private readonly IEspDatapath _esp;
    private readonly KernelEspExpiry? _expiry;
    private readonly RawEspSocket? _rawEsp;
    private readonly MarkedL2tpSocket? _l2tpSocket;
    private readonly VpnInterface? _vpn;
    private readonly KernelL2tp? _kernelL2tp;
    private readonly PlainLanL2tp? _plain;
    private readonly SessionEngine _sessions;
    private readonly List<IkeAction> _pendingIke = [];
    private DateTimeOffset _lastIkeTick;
    private ServerCertificates? _certificates;

    private IkeRunner(IkeSockets sockets, IkeResponder responder, IEspDatapath esp, KernelEspExpiry? expiry, RawEspSocket? rawEsp,
        MarkedL2tpSocket? l2tpSocket, KernelL2tp? kernelL2tp, VpnInterface? vpn, SessionEngineOptions sessionOptions, UserService users, Log log,
        PlainLanL2tp? plain = null)
    {
        _plain = plain;
        _sockets = sockets;
        _rawEsp = rawEsp;
        _l2tpSocket = l2tpSocket;
        _kernelL2tp = kernelL2tp;
        _vpn = vpn;
        _sessions = new SessionEngine(sessionOptions, users, this, log, kernelL2tp);
        if (esp is UserspaceEspDatapath userspace)
            userspace.L2tpReceived = (carrier, remote, local, l2tp) => _sessions.OnL2tp(carrier, remote, local, l2tp, DateTimeOffset.UtcNow);
        _responder = responder;
        _esp = esp;
        _expiry = expiry;
        _log = log;
        _loop = RunAsync();
    }

    public string DatapathName => _esp.Name;

    public static IkeRunner Start(ApplianceConfig config, PlatformReport platform, UserService users, ServerCertificates? certificates,
        Log log, IPAddress bindAddress, int ikePort = 500, int natTPort = 4500)
    {
        IEspDatapath esp;
        KernelEspExpiry? expiry = null;
        if (platform.Datapath.Kind == DatapathKind.Kernel)
        {
            int? offload = InterfaceIndex(config.Values[ConfigSchema.WanInterface]);
            var kernel = KernelEspDatapath.Open(offload);
            try { expiry = KernelEspExpiry.Start(); }
            catch (NetlinkException e)
            {
                kernel.Dispose();
                throw new EspDatapathException($"cannot listen for XFRM expire notifications: {e.Message}", e);
            }
            esp = kernel;
        }
        else esp = new UserspaceEspDatapath();

        IkeSockets sockets;
        try { sockets = IkeSockets.Open(bindAddress, ikePort, natTPort, kernelEspInUdp: !esp.WantsEspFromSocket); }
        catch { expiry?.Dispose(); esp.Dispose(); throw; }
        RawEspSocket? raw = null;
        if (esp.WantsEspFromSocket)
        {
            // Clients without a NAT in between send ESP as IP protocol 50.
            try { raw = RawEspSocket.Open(bindAddress); }
            catch (System.Net.Sockets.SocketException e)
            {
                log.Warn("esp", "raw ESP (IP protocol 50) unavailable: only clients behind a NAT (ESP in UDP 4500) can connect",
                    ("error", e.SocketErrorCode));
            }
        }
        // On the kernel ESP datapath the kernel decrypts and L2TP arrives on UDP 1701, each
        // datagram marked with its client's carrier.
        MarkedL2tpSocket? l2tpSocket = null;
        if (!esp.WantsEspFromSocket)
        {
            try { l2tpSocket = MarkedL2tpSocket.Open(bindAddress); }
            catch (System.Net.Sockets.SocketException e)
            {
                if (raw is not null) _ = raw.DisposeAsync();
                _ = sockets.DisposeAsync();
                expiry?.Dispose();
                esp.Dispose();
                throw new EspDatapathException($"cannot open UDP port 1701 for L2TP: {e.Message}", e);
            }
        }
        // With the kernel ESP datapath, L2TP data and PPP's IP run in the kernel too (a tunnel
        // socket and kernel tunnel per client, a ppp channel and unit per session); L2TP and PPP
        // control stay here. Without it every session runs in this process, as on userspace ESP.
        var plainLan = config.PlainL2tpLan ? new PlainLanL2tp(config.LanAddress) : null;
        KernelL2tp? kernelL2tp = null;
        if (l2tpSocket is not null && esp is KernelEspDatapath kernelEsp)
        {
            // A plain LAN peer's tunnel has no SA to demand; every other one wants ESP.
            byte[] tunnelGuard = KernelEspDatapath.SocketGuardPolicy();
            kernelL2tp = KernelL2tp.TryOpen(l2tpSocket, carrier => PlainLanL2tp.IsPlainCarrier(carrier) ? null : tunnelGuard, log, out string? why);
            if (kernelL2tp is null)
                log.Warn("l2tp", "kernel L2TP/PPP datapath unavailable: sessions run in the process", ("reason", why));
            else if (kernelEsp.MoveInboundGuardToSockets(l2tpSocket, listenerTakesClear: plainLan is not null) is { } kept)
                log.Warn("esp", "inbound L2TP guard policy kept in the policy database: every received packet pays a policy lookup", ("reason", kept));
        }
        var plain = plainLan is null ? null : OpenPlainLanL2tp(plainLan, esp, ref l2tpSocket, log);
        var sessionOptions = SessionOptions(config, users);
        VpnInterface? vpn = null;
        if (!VpnInterface.LanExists(config.LanInterface))
            log.Warn("session", "no VPN interface: the LAN interface does not exist (lan.interface); clients can connect but reach nothing",
                ("lan_interface", config.LanInterface));
        else
        {
            try
            {
                vpn = VpnInterface.Open(sessionOptions.LocalAddress, config.LanInterface, config.LanAddress, config.VpnPool);
                if (!vpn.MssClamped)
                    log.Warn("session", "TCP MSS not clamped on the VPN interface: large transfers may stall on paths that drop ICMP",
                        ("reason", vpn.MssClampProblem));
            }
            catch (Exception e) when (e is Platform.Linux.SyscallException or IOException or UnauthorizedAccessException)
            {
                log.Error("session", "no VPN interface: clients can connect but reach nothing", ("error", e.Message));
            }
        }
        log.Info("ike", "listening", ("ike_port", sockets.IkePort), ("nat_t_port", sockets.NatTraversalPort),
            ("security", config.VpnSecurity), ("esp", esp.Name), ("raw_esp", raw is not null), ("l2tp", l2tpSocket is null ? "through userspace ESP" : "udp/1701"),
            ("ppp_data", kernelL2tp is null ? "process" : "kernel"),
            ("plain_l2tp_lan", plain is null ? "off" : plain.Lan.ToString()),
            ("vpn_interface", vpn?.Name), ("pool", config.VpnPool));
        return new IkeRunner(sockets, new IkeResponder(Options(config, platform, certificates?.Credentials)), esp, expiry, raw, l2tpSocket, kernelL2tp, vpn,
            sessionOptions, users, log, plain) { _certificates = certificates };
    }

    /// <summary>vpn.plain_l2tp_lan = on: holes in the kernel datapath's guards for the LAN subnet,
    /// or on the userspace datapath (which has no 1701 socket) one bound to the LAN address only.
    /// A failure leaves the setting without effect (logged), never the VPN down.</summary>
    private static PlainLanL2tp? OpenPlainLanL2tp(PlainLanL2tp plain, IEspDatapath esp, ref MarkedL2tpSocket? l2tpSocket, Log log)
    {
        log.Warn("l2tp", "vpn.plain_l2tp_lan is on: L2TP WITHOUT IPsec is accepted from the LAN subnet (for testing and benchmarks only)",
            ("lan", plain.Lan));
        try
        {
            if (esp is KernelEspDatapath kernel)
                foreach (var bypass in plain.BypassPolicies()) kernel.AddBypass(bypass);
            else l2tpSocket ??= MarkedL2tpSocket.Open(plain.LanAddress);
            return plain;
        }
        catch (Exception e) when (e is EspDatapathException or System.Net.Sockets.SocketException)
        {
            log.Error("l2tp", "plain L2TP on the LAN unavailable", ("error", e.Message));
            return null;
        }
    }

    /// <summary>What PPP hands out: the pool, the users' static addresses, the box's LAN address as
    /// the server end, DNS ("auto": the box itself).</summary>
    internal static SessionEngineOptions SessionOptions(ApplianceConfig config, UserService users)
    {
        var local = Ipv4Addr(config.LanAddress.Address);
        var dns = new List<IPAddress>();
        string dnsText = config.Values[ConfigSchema.VpnDns];
        if (dnsText == "auto") dns.Add(local);
        else foreach (string d in dnsText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (IPAddress.TryParse(d, out var a)) dns.Add(a);
        var statics = new List<uint>();
        foreach (var u in users.List())
            if (u.StaticAddress is { } s && Services.Config.Values.Ipv4.TryParse(s, out uint n)) statics.Add(n);
        return new SessionEngineOptions(config.VpnPool, statics, local, dns, AllowPap: false, HostName: "appliance");
    }

    private static IPAddress Ipv4Addr(uint a) => Services.Config.Values.Ipv4.ToIPAddress(a);

    // --- ISessionTransport: what the session engine asks of the outside --------------------

    void ISessionTransport.SendL2tp(L2tpPeer to, byte[] datagram)
    {
        uint carrier = (uint)to.Carrier;
        try
        {
            // A plain LAN peer (vpn.plain_l2tp_lan) is answered in clear, without a mark.
            if (PlainLanL2tp.IsPlainCarrier(carrier)) _l2tpSocket?.Send(datagram, to.Remote, 0);
            else if (_esp is UserspaceEspDatapath userspace)
            {
                if (!userspace.TryEncapsulateL2tp(carrier, (ushort)to.Remote.Port, datagram, out var packet, out var dest, out _, out bool udp)) return;
                if (udp) _sockets.SendEsp(packet, dest);
                else _rawEsp?.Send(packet, dest.Address);
            }
            else _l2tpSocket?.Send(datagram, to.Remote, carrier);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            _log.Warn("l2tp", "send failed", ("peer", to.Remote), ("error", e.SocketErrorCode));
        }
    }

    bool ISessionTransport.WriteIp(ReadOnlySpan<byte> packet) => _vpn is not null && _vpn.Write(packet);

    void ISessionTransport.AddressUp(IPAddress clientAddress, int mtu)
    {
        try { _vpn?.RouteTo(clientAddress, mtu); }
        catch (Platform.Linux.SyscallException e) { _log.Warn("session", "route to client failed", ("address", clientAddress), ("error", e.Message)); }
    }

    void ISessionTransport.AddressDown(IPAddress clientAddress) => _vpn?.Unroute(clientAddress);

    void ISessionTransport.LimitMss(IPAddress clientAddress, int linkMtu) => _vpn?.LimitMss(clientAddress, linkMtu);

    void ISessionTransport.UnlimitMss(IPAddress clientAddress) => _vpn?.UnlimitMss(clientAddress);

    void ISessionTransport.TearDownCarrier(uint carrier, string reason)
    {
        if (PlainLanL2tp.IsPlainCarrier(carrier)) return; // no SAs: nothing for IKE to delete
        if (_esp.PeerOf(carrier) is { } peer) _pendingIke.AddRange(_responder.DeletePeer(peer, reason));
    }

    /// <summary>The WAN interface's index, for SAs a NIC may offload; null when it has none.</summary>
    private static int? InterfaceIndex(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('/') || name.Contains("..")) return null;
        try { return int.TryParse(File.ReadAllText($"/sys/class/net/{name}/ifindex").Trim(), out int i) ? i : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Options from the configuration: the PSK and the security level; among acceptable
    /// ESP transforms, one whose kernel driver is accelerated wins.</summary>
    internal static IkeResponderOptions Options(ApplianceConfig config, PlatformReport platform, IkeCertificateCredentials? certificates = null)
    {
        var level = config.VpnSecurity switch { "modern" => SecurityLevel.Modern, "legacy" => SecurityLevel.Legacy, _ => SecurityLevel.Compatible };
        bool Fast(string algorithm) => platform.CryptoDrivers.Any(d => d.Algorithm == algorithm && d.Acceleration is CryptoAcceleration.Cpu or CryptoAcceleration.Engine);
        bool kernel = platform.Datapath.Kind == DatapathKind.Kernel;
        Func<EspProposal, bool> accelerated = p => p.Cipher switch
        {
            // The userspace datapath uses OpenSSL, fast wherever the CPU has AES instructions.
            EspCipher.AesGcm16 => kernel ? Fast("gcm(aes)") : platform.CpuAesInstructions,
            EspCipher.AesCbc => kernel ? Fast("cbc(aes)") && (p.Integrity != EspIntegrity.HmacSha256_128 || Fast("hmac(sha256)")) : platform.CpuAesInstructions,
            _ => false,
        };
        return new IkeResponderOptions
        {
            PreSharedKey = System.Text.Encoding.UTF8.GetBytes(config.Values[ConfigSchema.VpnPsk]),
            Policy = new AlgorithmPolicy(level, accelerated),
            Certificates = certificates,
        };
    }

    /// <summary>New SAs use the new PSK, security level and certificates; established ones carry
    /// on. The runner owns the certificates it is given from now on.</summary>
    public void Reconfigure(ApplianceConfig config, PlatformReport platform, ServerCertificates? certificates)
    {
        ServerCertificates? old;
        lock (_gate)
        {
            _responder.Options = Options(config, platform, certificates?.Credentials);
            old = _certificates;
            _certificates = certificates;
        }
        // Signatures are made under the lock, so the old key is no longer in use.
        old?.Dispose();
    }

    public VpnStatus Counters()
    {
        lock (_gate)
        {
            var esp = _esp.Counters();
            var drops = new Dictionary<string, long>(_responder.Drops);
            foreach (var (reason, count) in esp.Drops) drops["esp: " + reason] = count;
            foreach (var (reason, count) in _sessions.Drops) drops["session: " + reason] = count;
            return new VpnStatus(_responder.SaCount, _responder.EstablishedCount, esp.SaPairs, esp.PacketsReceived,
                esp.PacketsDecrypted, esp.L2tpDatagrams, drops, _sessions.TunnelCount, _sessions.Logins, _sessions.LoginFailures,
                _sessions.Statuses(DateTimeOffset.UtcNow),
                new Dictionary<string, long>(_sessions.LoginFailuresByUser), new Dictionary<string, long>(_sessions.LoginFailuresBySource));
        }
    }

    /// <summary>The admin's disconnect of one session (appliance session kill ID).</summary>
    public async Task<bool> KillSessionAsync(long id)
    {
        bool found;
        List<IkeAction> pending;
        lock (_gate)
        {
            found = _sessions.Kill(id, DateTimeOffset.UtcNow);
            pending = TakePending();
        }
        await ExecuteAsync(pending);
        return found;
    }

    private List<IkeAction> TakePending()
    {
        var list = new List<IkeAction>(_pendingIke);
        _pendingIke.Clear();
        return list;
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(BusyTick);
        _busyUntil = DateTimeOffset.UtcNow + BusyFor;
        var tick = timer.WaitForNextTickAsync(_stop.Token).AsTask();
        var reader = _sockets.Received;
        var next = reader.WaitToReadAsync(_stop.Token).AsTask();
        var expires = _expiry?.Expires;
        // Without the kernel datapath nothing expires on its own: a task that never completes.
        var expired = expires?.WaitToReadAsync(_stop.Token).AsTask() ?? Task.Delay(Timeout.Infinite, _stop.Token);
        var raw = _rawEsp?.Received;
        var rawNext = raw?.WaitToReadAsync(_stop.Token).AsTask() ?? Task.Delay(Timeout.Infinite, _stop.Token);
        var l2tp = _l2tpSocket?.Received;
        var l2tpNext = l2tp?.WaitToReadAsync(_stop.Token).AsTask() ?? Task.Delay(Timeout.Infinite, _stop.Token);
        var ip = _vpn?.Packets;
        var ipNext = ip?.WaitToReadAsync(_stop.Token).AsTask() ?? Task.Delay(Timeout.Infinite, _stop.Token);
        var ppp = _kernelL2tp?.Frames;
        var pppNext = ppp?.WaitToReadAsync(_stop.Token).AsTask() ?? Task.Delay(Timeout.Infinite, _stop.Token);
        while (!_stop.IsCancellationRequested)
        {
            try { await Task.WhenAny(tick, next, expired, rawNext, l2tpNext, ipNext, pppNext); }
            catch (OperationCanceledException) { break; }
            if (tick.IsCompleted)
            {
                if (tick.IsCanceled) break;
                List<IkeAction> actions = [];
                var now = DateTimeOffset.UtcNow;
                lock (_gate)
                {
                    _sessions.Tick(now);
                    // The IKE core's timers are seconds apart: every 2 s is enough.
                    if (now - _lastIkeTick >= TimeSpan.FromSeconds(2)) { actions = _responder.Tick(now); _lastIkeTick = now; }
                    actions.AddRange(TakePending());
                }
                if (actions.Count > 0) NoteActivity();
                await ExecuteAsync(actions);
                tick = timer.WaitForNextTickAsync(_stop.Token).AsTask();
            }
            if (expired.IsCompleted && expires is not null)
            {
                if (expired.IsCanceled || !((Task<bool>)expired).Result) break;
                NoteActivity();
                while (expires.TryRead(out var expire)) await OnExpireAsync(expire);
                expired = expires.WaitToReadAsync(_stop.Token).AsTask();
            }
            if (l2tpNext.IsCompleted && l2tp is not null)
            {
                if (l2tpNext.IsCanceled || !((Task<bool>)l2tpNext).Result) break;
                NoteActivity();
                List<IkeAction> pending;
                lock (_gate)
                {
                    while (l2tp.TryRead(out var d))
                    {
                        // Only what an SA of ours decrypted carries a client's mark; the guard
                        // policy already dropped clear L2TP, this is the second lock on that door.
                        uint carrier = d.Mark;
                        if (_esp.PeerOf(d.Mark) is null)
                        {
                            if (d.Mark != 0 || _plain is null || !_plain.Admits(d.From, d.Local.Address))
                            {
                                _esp.NoteDrop("L2TP without a client's SA mark");
                                continue;
                            }
                            carrier = PlainLanL2tp.CarrierOf(d.From);
                        }
                        _sessions.OnL2tp(carrier, d.From, d.Local, d.Data, DateTimeOffset.UtcNow);
                    }
                    pending = TakePending();
                }
                await ExecuteAsync(pending);
                l2tpNext = l2tp.WaitToReadAsync(_stop.Token).AsTask();
            }
            if (pppNext.IsCompleted && ppp is not null)
            {
                if (pppNext.IsCanceled || !((Task<bool>)pppNext).Result) break;
                NoteActivity();
                List<IkeAction> pending;
                lock (_gate)
                {
                    while (ppp.TryRead(out var f)) _sessions.OnKernelFrame(f.SessionId, f.Frame, DateTimeOffset.UtcNow);
                    pending = TakePending();
                }
                await ExecuteAsync(pending);
                pppNext = ppp.WaitToReadAsync(_stop.Token).AsTask();
            }
            if (ipNext.IsCompleted && ip is not null)
            {
                if (ipNext.IsCanceled || !((Task<bool>)ipNext).Result) break;
                lock (_gate)
                    while (ip.TryRead(out var packet)) _sessions.OnIpFromInterface(packet);
                ipNext = ip.WaitToReadAsync(_stop.Token).AsTask();
            }
            if (rawNext.IsCompleted && raw is not null && _esp is UserspaceEspDatapath userspace)
            {
                if (rawNext.IsCanceled || !((Task<bool>)rawNext).Result) break;
                NoteActivity();
                List<IkeAction> pending;
                lock (_gate)
                {
                    while (raw.TryRead(out var packet)) userspace.ReceiveEsp(packet.Data, packet.From);
                    pending = TakePending();
                }
                await ExecuteAsync(pending);
                rawNext = raw.WaitToReadAsync(_stop.Token).AsTask();
            }
            if (next.IsCompleted)
            {
                if (next.IsCanceled || !next.Result) break;
                NoteActivity();
                while (reader.TryRead(out var datagram))
                {
                    if (datagram.IsEsp)
                    {
                        List<IkeAction> pending;
                        lock (_gate)
                        {
                            if (_esp is UserspaceEspDatapath u) u.ReceiveEsp(datagram.Data, datagram.From);
                            else _esp.ReceiveEsp(datagram.Data);
                            pending = TakePending();
                        }
                        await ExecuteAsync(pending);
                        continue;
                    }
                    List<IkeAction> actions;
                    try
                    {
                        lock (_gate) actions = _responder.Receive(datagram.Data, datagram.From, datagram.Local, datagram.NatTraversalPort, DateTimeOffset.UtcNow);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        // A bug in the core must cost one datagram, not the daemon.
                        _log.Error("ike", "datagram handling failed", ("peer", datagram.From), ("error", e.GetType().Name), ("detail", e.Message));
                        continue;
                    }
                    await ExecuteAsync(actions);
                }
                next = reader.WaitToReadAsync(_stop.Token).AsTask();
            }
            // Only when it changes: setting the period restarts the countdown.
            var period = DateTimeOffset.UtcNow < _busyUntil ? BusyTick : IdleTick;
            if (timer.Period != period) timer.Period = period;
        }
    }

    private void NoteActivity() => _busyUntil = DateTimeOffset.UtcNow + BusyFor;

    /// <summary>A soft expire is the client's cue to rekey (logged); at a hard one the kernel has
    /// deleted the SA, and the client is told that the pair is gone.</summary>
    private async Task OnExpireAsync(XfrmExpire expire)
    {
        if (_esp is not KernelEspDatapath kernel) return;
        List<IkeAction> actions;
        lock (_gate)
        {
            if (kernel.PairOf(expire.Spi) is not { } inbound) return;
            if (!expire.Hard)
            {
                _log.Info("esp", "ESP SA soft lifetime reached; the client is expected to rekey", ("spi", $"{expire.Spi:x8}"),
                    ("bytes", expire.Sa.Counters.Bytes), ("packets", expire.Sa.Counters.Packets));
                return;
            }
            actions = _responder.ExpireChild(inbound, "ESP SA lifetime ended");
        }
        await ExecuteAsync(actions);
    }

    private async Task ExecuteAsync(List<IkeAction> actions)
    {
        foreach (var action in actions)
        {
            switch (action)
            {
                case SendDatagram send:
                    try { _sockets.SendIke(send.Data, send.To, send.NatTraversalPort); }
                    catch (System.Net.Sockets.SocketException e) { _log.Warn("ike", "send failed", ("peer", send.To), ("error", e.SocketErrorCode)); }
                    break;
                case IkeLog l:
                    _log.Write(l.Level switch { "debug" => LogLevel.Debug, "warn" => LogLevel.Warn, "error" => LogLevel.Error, _ => LogLevel.Info }, "ike", l.Message, l.Fields);
                    break;
                case InstallChildSa install:
                    await InstallAsync(install.Child);
                    break;
                case RemoveChildSa remove:
                    lock (_gate)
                    {
                        // The client's last SAs gone: its L2TP tunnels and PPP links end with them.
                        if (_esp.Remove(remove.InboundSpi) is { Last: true } release)
                            _sessions.OnCarrierGone(release.Carrier, release.Peer, DateTimeOffset.UtcNow);
                    }
                    break;
            }
        }
    }

    /// <summary>A pair the datapath refuses would leave the client sending into nothing: it is
    /// deleted towards the client instead, with the reason in the log.</summary>
    private async Task InstallAsync(ChildSaKeys child)
    {
        List<IkeAction> undo;
        lock (_gate)
        {
            try
            {
                _esp.Install(child);
                if (_esp is KernelEspDatapath kernel)
                    _log.Info("esp", "ESP SAs installed in the kernel", ("peer", child.Peer), ("spi_in", $"{child.InboundSpi:x8}"),
                        ("spi_out", $"{child.OutboundSpi:x8}"), ("mark", $"0x{kernel.MarkOf(child.Peer):x}"));
                return;
            }
            catch (EspDatapathException e)
            {
                _log.Error("esp", "ESP SAs not installed", ("peer", child.Peer), ("datapath", _esp.Name), ("error", e.Message));
                undo = _responder.ExpireChild(child.InboundSpi, "datapath refused the SAs");
            }
        }
        await ExecuteAsync(undo);
    }

    public async ValueTask DisposeAsync()
    {
        List<IkeAction> goodbye;
        lock (_gate)
        {
            _sessions.CloseAll(DateTimeOffset.UtcNow);
            _pendingIke.Clear(); // DeleteAll below tells every client
            goodbye = _responder.DeleteAll("appliance stopping");
        }
        await ExecuteAsync(goodbye);
        _stop.Cancel();
        try { await _loop; } catch (OperationCanceledException) { }
        await _sockets.DisposeAsync();
        if (_rawEsp is not null) await _rawEsp.DisposeAsync();
        // Before the listener: its tunnel sockets write into the listener's queue.
        lock (_gate) _kernelL2tp?.Dispose();
        _l2tpSocket?.Dispose();
        _vpn?.Dispose();
        _expiry?.Dispose();
        lock (_gate) { _responder.Dispose(); _esp.Dispose(); }
        _certificates?.Dispose();
        _stop.Dispose();
    }
}
