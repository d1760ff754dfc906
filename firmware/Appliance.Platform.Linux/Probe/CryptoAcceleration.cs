namespace Appliance.Platform.Linux.Probe;

/// <summary>Who does the work for an algorithm: a SoC crypto engine, the CPU's own cryptographic
/// instructions (AES-NI, ARMv8 CE) or SIMD, or portable C code.</summary>
public enum CryptoAcceleration { Generic, Cpu, Engine, Unavailable }
