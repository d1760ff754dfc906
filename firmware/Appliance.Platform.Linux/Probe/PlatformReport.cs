namespace Appliance.Platform.Linux.Probe;

/// <summary>What the probe found at start: the kernel's features, the chosen datapath, the ESP
/// crypto drivers, and whether this process's CPU has AES instructions (the userspace datapath's
/// OpenSSL uses them).</summary>
public sealed record PlatformReport(
    KernelFeatures Kernel,
    Datapath Datapath,
    IReadOnlyList<CryptoDriver> CryptoDrivers,
    bool CpuAesInstructions,
    string Architecture);
