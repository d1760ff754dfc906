namespace Appliance.Platform.Linux.Probe;

/// <summary>What the running kernel offers for the kernel datapath.</summary>
public sealed record KernelFeatures(
    string Release,
    ModuleState Esp4,
    ModuleState XfrmUser,
    bool NetlinkXfrmOpens,
    ModuleState L2tpPpp,
    ModuleState PppGeneric,
    bool DevPppExists);
