namespace Appliance.Platform.Linux.Probe;

/// <summary>One block of /proc/crypto: an algorithm name and one driver that implements it.</summary>
public sealed record ProcCryptoEntry(string Name, string Driver, string Module, int Priority, bool SelfTestPassed);
