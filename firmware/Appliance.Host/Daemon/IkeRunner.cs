using System.Net;
using Appliance.Host.Daemon.Esp;
using Appliance.Platform.Linux.Esp;
using Appliance.Platform.Linux.Netlink;
using Appliance.Platform.Linux.Probe;
using Appliance.Platform.Linux.Udp;
using Appliance.Protocols.Esp;
using Appliance.Protocols.Ike.Policy;
using Appliance.Protocols.Ike.Sa;
using Appliance.Services.Config;
using Appliance.Services.Logging;
using Appliance.Services.Status;

namespace Appliance.Host.Daemon;

/// <summary>
/// Runs the IKEv1 responder: one task reads datagrams from UDP 500/4500 (and, on the kernel
/// datapath, XFRM expire notifications) and feeds them, with the time, to the I/O-free core; the
/// actions it returns are carried out here (send, log, install or remove ESP SAs in the
/// datapath). One task means the core needs no locks; the lock only guards status reads.
/// </summary>
internal sealed class IkeRunner : IAsyncDisposable
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(5);
    private readonly IkeSockets _sockets;
    private readonly Log _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly IkeResponder _responder;
    private readonly IEspDatapath _esp;
    private readonly KernelEspExpiry? _expiry;
    private readonly RawEspSocket? _rawEsp;

    private IkeRunner(IkeSockets sockets, IkeResponder responder, IEspDatapath esp, KernelEspExpiry? expiry, RawEspSocket? rawEsp, Log log)
    {
        _sockets = sockets;
        _rawEsp = rawEsp;
        _responder = responder;
        _esp = esp;
        _expiry = expiry;
        _log = log;
        _loop = RunAsync();
    }

    public string DatapathName => _esp.Name;

    public static IkeRunner Start(ApplianceConfig config, PlatformReport platform, Log log, IPAddress bindAddress, int ikePort = 500, int natTPort = 4500)
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
        log.Info("ike", "listening", ("ike_port", sockets.IkePort), ("nat_t_port", sockets.NatTraversalPort),
            ("security", config.VpnSecurity), ("esp", esp.Name), ("raw_esp", raw is not null));
        return new IkeRunner(sockets, new IkeResponder(Options(config, platform)), esp, expiry, raw, log);
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
    internal static IkeResponderOptions Options(ApplianceConfig config, PlatformReport platform)
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
        };
    }

    /// <summary>New SAs use the new PSK and security level; established ones carry on.</summary>
    public void Reconfigure(ApplianceConfig config, PlatformReport platform)
    {
        lock (_gate) _responder.Options = Options(config, platform);
    }

    public VpnStatus Counters()
    {
        lock (_gate)
        {
            var esp = _esp.Counters();
            var drops = new Dictionary<string, long>(_responder.Drops);
            foreach (var (reason, count) in esp.Drops) drops["esp: " + reason] = count;
            return new VpnStatus(_responder.SaCount, _responder.EstablishedCount, esp.SaPairs, esp.PacketsReceived,
                esp.PacketsDecrypted, esp.L2tpDatagrams, drops);
        }
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TickInterval);
        var tick = timer.WaitForNextTickAsync(_stop.Token).AsTask();
        var reader = _sockets.Received;
        var next = reader.WaitToReadAsync(_stop.Token).AsTask();
        var expires = _expiry?.Expires;
        // Without the kernel datapath nothing expires on its own: a task that never completes.
        var expired = expires?.WaitToReadAsync(_stop.Token).AsTask() ?? Task.Delay(Timeout.Infinite, _stop.Token);
        var raw = _rawEsp?.Received;
        var rawNext = raw?.WaitToReadAsync(_stop.Token).AsTask() ?? Task.Delay(Timeout.Infinite, _stop.Token);
        while (!_stop.IsCancellationRequested)
        {
            try { await Task.WhenAny(tick, next, expired, rawNext); }
            catch (OperationCanceledException) { break; }
            if (tick.IsCompleted)
            {
                if (tick.IsCanceled) break;
                List<IkeAction> actions;
                lock (_gate) actions = _responder.Tick(DateTimeOffset.UtcNow);
                await ExecuteAsync(actions);
                tick = timer.WaitForNextTickAsync(_stop.Token).AsTask();
            }
            if (expired.IsCompleted && expires is not null)
            {
                if (expired.IsCanceled || !((Task<bool>)expired).Result) break;
                while (expires.TryRead(out var expire)) await OnExpireAsync(expire);
                expired = expires.WaitToReadAsync(_stop.Token).AsTask();
            }
            if (rawNext.IsCompleted && raw is not null && _esp is UserspaceEspDatapath userspace)
            {
                if (rawNext.IsCanceled || !((Task<bool>)rawNext).Result) break;
                lock (_gate)
                    while (raw.TryRead(out var packet)) userspace.ReceiveEsp(packet.Data, packet.From);
                rawNext = raw.WaitToReadAsync(_stop.Token).AsTask();
            }
            if (next.IsCompleted)
            {
                if (next.IsCanceled || !next.Result) break;
                while (reader.TryRead(out var datagram))
                {
                    if (datagram.IsEsp)
                    {
                        lock (_gate)
                        {
                            if (_esp is UserspaceEspDatapath u) u.ReceiveEsp(datagram.Data, datagram.From);
                            else _esp.ReceiveEsp(datagram.Data);
                        }
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
        }
    }

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
                    try { await _sockets.SendIkeAsync(send.Data, send.To, send.NatTraversalPort, CancellationToken.None); }
                    catch (System.Net.Sockets.SocketException e) { _log.Warn("ike", "send failed", ("peer", send.To), ("error", e.SocketErrorCode)); }
                    break;
                case IkeLog l:
                    _log.Write(l.Level switch { "debug" => LogLevel.Debug, "warn" => LogLevel.Warn, "error" => LogLevel.Error, _ => LogLevel.Info }, "ike", l.Message, l.Fields);
                    break;
                case InstallChildSa install:
                    await InstallAsync(install.Child);
                    break;
                case RemoveChildSa remove:
                    lock (_gate) _esp.Remove(remove.InboundSpi);
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
        lock (_gate) goodbye = _responder.DeleteAll("appliance stopping");
        await ExecuteAsync(goodbye);
        _stop.Cancel();
        try { await _loop; } catch (OperationCanceledException) { }
        await _sockets.DisposeAsync();
        if (_rawEsp is not null) await _rawEsp.DisposeAsync();
        _expiry?.Dispose();
        lock (_gate) { _responder.Dispose(); _esp.Dispose(); }
        _stop.Dispose();
    }
}
