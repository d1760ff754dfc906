using Appliance.Platform.Linux.Probe;
using Appliance.Services.Status;

namespace Appliance.Host.Daemon;

/// <summary>Assembles the status snapshot from what the daemon learnt at start and live values.</summary>
internal static class StatusBuilder
{
    public static StatusSnapshot Build(PlatformReport platform, DateTimeOffset started, DateTimeOffset now,
        int schemaVersion, long configGeneration, IReadOnlyList<string> webListening, VpnStatus vpn) =>
        new(
            BuildInfo.Version,
            BuildInfo.Target,
            started,
            (long)(now - started).TotalSeconds,
            platform.Datapath.Kind == DatapathKind.Kernel ? "kernel" : "userspace",
            platform.Datapath.Reasons,
            platform.CryptoDrivers.Select(d => new CryptoDriverStatus(d.Algorithm, d.Driver,
                d.Acceleration.ToString().ToLowerInvariant(), d.Note)).ToList(),
            platform.CpuAesInstructions,
            platform.Kernel.Release,
            schemaVersion,
            configGeneration,
            webListening,
            vpn);
}
