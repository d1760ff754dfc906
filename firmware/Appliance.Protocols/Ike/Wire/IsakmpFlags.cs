namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// ISAKMP header flags (RFC 2408 §3.1). The upper five bits are reserved; a received value with
/// them set is carried as is (the codec does not judge meaning).
/// </summary>
[Flags]
public enum IsakmpFlags : byte
{
    None = 0,
    /// <summary>E: everything after the header is encrypted (RFC 2408 §3.1, RFC 2409 §5.3).</summary>
    Encryption = 1,
    /// <summary>C: commit bit, key exchange synchronisation (RFC 2408 §3.1).</summary>
    Commit = 2,
    /// <summary>A: authentication only (RFC 2408 §3.1).</summary>
    AuthenticationOnly = 4,
}
