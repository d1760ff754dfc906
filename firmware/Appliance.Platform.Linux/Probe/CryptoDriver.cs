namespace Appliance.Platform.Linux.Probe;

/// <summary>Which kernel driver would serve one ESP algorithm, and what kind it is.</summary>
/// <param name="Algorithm">The kernel name, e.g. "cbc(aes)".</param>
/// <param name="Driver">The chosen driver, e.g. "cbc-aes-ce"; for a template not instantiated
/// yet, the driver of the primitive it would be built on.</param>
public sealed record CryptoDriver(string Algorithm, string Driver, CryptoAcceleration Acceleration, string Note);
