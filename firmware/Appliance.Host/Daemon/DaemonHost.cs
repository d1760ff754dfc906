using System.Diagnostics;
using System.Runtime.InteropServices;
using Appliance.Host.Control;
using Appliance.Platform.Linux.Probe;
using Appliance.Services.Config;
using Appliance.Services.Logging;
using Appliance.Services.Status;
using Appliance.Store;
using Appliance.Web;

namespace Appliance.Host.Daemon;

/// <summary>
/// 'appliance run': opens the store, probes the platform, starts the control socket and the web
/// admin, and runs until SIGTERM or SIGINT; then closes sockets and the store in reverse order.
/// Refuses to start, with one log line naming the problem, when anything it needs is unusable.
/// </summary>
internal static class DaemonHost
{
    public static async Task<int> RunAsync(string dataDir, Log log)
    {
        var started = TimeProvider.System.GetUtcNow();
        if (DataDirectory.Prepare(dataDir, create: true) is { } problem)
            return Refuse(log, problem);
        using var daemonLock = DaemonLock.TryAcquire(dataDir);
        if (daemonLock is null)
            return Refuse(log, $"another appliance daemon is already running with data directory {dataDir}");

        Station station;
        ApplianceConfig config;
        try
        {
            station = Station.Open(dataDir);
            config = station.Config.LoadOrInitialize();
        }
        catch (StoreException e) { return Refuse(log, e.Message); }
        catch (InvalidDataException e) { return Refuse(log, e.Message); }
        catch (ConfigInvalidException e) { return Refuse(log, e.Message + " (fix with 'appliance config set' or 'appliance config import')"); }

        using (station)
        {
            log.Info("store", "opened", ("path", station.Store.Path), ("schema", station.Store.SchemaVersion),
                ("config_generation", config.Generation), ("users", station.Users.List().Count));

            var platform = new PlatformProbe().Run();
            switch (config.Values[ConfigSchema.VpnDatapath])
            {
                case "userspace":
                    platform = platform with { Datapath = new Datapath(DatapathKind.Userspace, ["vpn.datapath = userspace"]) };
                    break;
                case "kernel" when platform.Datapath.Kind != DatapathKind.Kernel:
                    return Refuse(log, "vpn.datapath is 'kernel' but this kernel lacks: " + string.Join("; ", platform.Datapath.Reasons));
            }
            log.Info("platform", "datapath chosen", ("datapath", platform.Datapath.Kind.ToString().ToLowerInvariant()),
                ("kernel", platform.Kernel.Release), ("why", string.Join("; ", platform.Datapath.Reasons)));
            foreach (var d in platform.CryptoDrivers)
                log.Info("platform", "crypto driver", ("algorithm", d.Algorithm), ("driver", d.Driver),
                    ("acceleration", d.Acceleration.ToString().ToLowerInvariant()), ("note", d.Note));
            log.Info("platform", "cpu", ("arch", platform.Architecture), ("aes_instructions", platform.CpuAesInstructions));

            using var stop = new CancellationTokenSource();
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

            var endpoints = WebEndpoints.Resolve(config, WebEndpoints.LocalAddresses(), out var skipped);
            foreach (var s in skipped) log.Warn("web", "not listening", ("endpoint", s));
            IReadOnlyList<string> listening = [];
            IkeRunner? ike = null;
            Func<StatusSnapshot> status = () =>
            {
                var vpn = ike?.Counters() ?? new VpnStatus(0, 0, 0, 0, 0, 0, new Dictionary<string, long>());
                return StatusBuilder.Build(platform, started, TimeProvider.System.GetUtcNow(),
                    station.Store.SchemaVersion, station.Store.ReadConfig()?.Generation ?? 0, listening, vpn);
            };

            ControlServer control;
            try
            {
                control = ControlServer.Start(ControlSocket.PathIn(dataDir), request => request.Verb switch
                {
                    "status" => new ControlResponse(true, Status: status()),
                    "reload" => Reload(station, dataDir, log, ike, platform),
                    "session-kill" => KillSession(ike, request.Argument),
                    _ => new ControlResponse(false, $"unknown verb '{request.Verb}'"),
                }, log);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
            {
                return Refuse(log, $"cannot open control socket: {e.Message}");
            }

            await using (control)
            {
                AdminWebServer? web = null;
                if (endpoints.Count == 0)
                    log.Warn("web", "web admin disabled: no usable address in web.listen");
                else
                {
                    try
                    {
                        web = await AdminWebServer.StartAsync(new AdminWebOptions(endpoints, station.Admin, status, log,
                            TimeProvider.System), stop.Token);
                        listening = web.Listening;
                    }
                    catch (IOException e)
                    {
                        return Refuse(log, $"web admin cannot listen on {string.Join(", ", endpoints)}: {e.Message}");
                    }
                }

                var certificates = ServerCertificates.Load(station, config, dataDir, log);
                try { ike = IkeRunner.Start(config, platform, station.Users, certificates, log, System.Net.IPAddress.Any); }
                catch (System.Net.Sockets.SocketException e)
                {
                    if (web is not null) await web.DisposeAsync();
                    return Refuse(log, $"cannot open the IKE ports UDP 500 and 4500: {e.Message}");
                }
                catch (Esp.EspDatapathException e)
                {
                    if (web is not null) await web.DisposeAsync();
                    return Refuse(log, $"kernel ESP datapath unavailable: {e.Message} (set vpn.datapath = userspace to run without it)");
                }
                await using (ike)
                await using (web)
                {
                    var ready = TimeProvider.System.GetUtcNow();
                    log.Info("daemon", "ready", ("version", BuildInfo.Version), ("web", string.Join(",", listening)),
                        ("admin_password_set", station.Admin.IsSet),
                        ("startup_ms", (long)(ready - ProcessStart()).TotalMilliseconds));
                    try { await Task.Delay(Timeout.Infinite, stop.Token); }
                    catch (OperationCanceledException) { }
                    log.Info("daemon", "stopping");
                }
            }
        }
        log.Info("daemon", "stopped");
        return ExitCodes.Ok;
    }

    private static ControlResponse KillSession(IkeRunner? ike, string? argument)
    {
        if (ike is null) return new ControlResponse(false, "the VPN is not running");
        if (!long.TryParse(argument, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long id))
            return new ControlResponse(false, $"session id must be a number, not '{argument}'");
        return ike.KillSessionAsync(id).GetAwaiter().GetResult()
            ? new ControlResponse(true)
            : new ControlResponse(false, $"no session {id} (see 'appliance status')");
    }

    /// <summary>A management command changed the store: re-read and re-check the configuration.</summary>
    private static ControlResponse Reload(Station station, string dataDir, Log log, IkeRunner? ike, PlatformReport platform)
    {
        ApplianceConfig config;
        try { config = station.Config.LoadOrInitialize(); }
        catch (ConfigInvalidException e) { return new ControlResponse(false, e.Message); }
        // A 'cert server --names' or a new CA takes effect for the next Main Mode.
        if (ike is not null) ike.Reconfigure(config, platform, ServerCertificates.Load(station, config, dataDir, log));
        log.Info("daemon", "configuration reloaded", ("config_generation", config.Generation));
        return new ControlResponse(true);
    }

    private static DateTimeOffset ProcessStart()
    {
        using var self = Process.GetCurrentProcess();
        return new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero);
    }

    private static int Refuse(Log log, string problem)
    {
        log.Error("daemon", "refusing to start", ("reason", problem));
        return ExitCodes.Failure;
    }
}
