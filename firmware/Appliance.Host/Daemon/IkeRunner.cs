using System.Net;
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
/// Runs the IKEv1 responder: one task reads datagrams from UDP 500/4500 and feeds them, with the
/// time, to the I/O-free core; the actions it returns are carried out here (send, log, record the
/// ESP SAs). One task means the core needs no locks.
/// </summary>
internal sealed class IkeRunner : IAsyncDisposable
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(5);
    private readonly IkeSockets _sockets;
    private readonly Log _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly object _gate = new();
    private IkeResponder _responder;
    private readonly UserspaceEsp _esp = new();

    private IkeRunner(IkeSockets sockets, IkeResponder responder, Log log)
    {
        _sockets = sockets;
        _responder = responder;
        _log = log;
        _loop = RunAsync();
    }

    public static IkeRunner Start(ApplianceConfig config, PlatformReport platform, Log log, IPAddress bindAddress, int ikePort = 500, int natTPort = 4500)
    {
        var sockets = IkeSockets.Open(bindAddress, ikePort, natTPort);
        log.Info("ike", "listening", ("ike_port", sockets.IkePort), ("nat_t_port", sockets.NatTraversalPort),
            ("security", config.VpnSecurity));
        return new IkeRunner(sockets, new IkeResponder(Options(config, platform)), log);
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
            var drops = new Dictionary<string, long>(_responder.Drops);
            foreach (var (reason, count) in _esp.Drops) drops["esp: " + reason] = count;
            return new VpnStatus(_responder.SaCount, _responder.EstablishedCount, _esp.SaPairs, _esp.PacketsReceived,
                _esp.PacketsDecrypted, _esp.L2tpDatagrams, drops);
        }
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TickInterval);
        var tick = timer.WaitForNextTickAsync(_stop.Token).AsTask();
        var reader = _sockets.Received;
        var next = reader.WaitToReadAsync(_stop.Token).AsTask();
        while (!_stop.IsCancellationRequested)
        {
            try { await Task.WhenAny(tick, next); }
            catch (OperationCanceledException) { break; }
            if (tick.IsCompleted)
            {
                if (tick.IsCanceled) break;
                List<IkeAction> actions;
                lock (_gate) actions = _responder.Tick(DateTimeOffset.UtcNow);
                await ExecuteAsync(actions);
                tick = timer.WaitForNextTickAsync(_stop.Token).AsTask();
            }
            if (next.IsCompleted)
            {
                if (next.IsCanceled || !next.Result) break;
                while (reader.TryRead(out var datagram))
                {
                    if (datagram.IsEsp)
                    {
                        lock (_gate) _esp.Receive(datagram.Data);
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
                    lock (_gate) _esp.Install(install.Child);
                    break;
                case RemoveChildSa remove:
                    lock (_gate) _esp.Remove(remove.InboundSpi);
                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<IkeAction> goodbye;
        lock (_gate) goodbye = _responder.DeleteAll("appliance stopping");
        await ExecuteAsync(goodbye);
        _stop.Cancel();
        try { await _loop; } catch (OperationCanceledException) { }
        await _sockets.DisposeAsync();
        lock (_gate) { _responder.Dispose(); _esp.Dispose(); }
        _stop.Dispose();
    }
}
