namespace Appliance.Protocols.Crypto;

/// <summary>
/// The Diffie-Hellman groups the appliance supports, valued by their IANA "Group Description"
/// numbers as carried in IKEv1 SA attributes (RFC 2409 Appendix A, RFC 3526 §8, RFC 5903 §5).
/// </summary>
public enum DiffieHellmanGroup
{
    /// <summary>Group 2: 1024-bit MODP (RFC 2409 §6.2). Weak; offered only for legacy clients.</summary>
    Modp1024 = 2,

    /// <summary>Group 5: 1536-bit MODP (RFC 3526 §2).</summary>
    Modp1536 = 5,

    /// <summary>Group 14: 2048-bit MODP (RFC 3526 §3).</summary>
    Modp2048 = 14,

    /// <summary>Group 15: 3072-bit MODP (RFC 3526 §4).</summary>
    Modp3072 = 15,

    /// <summary>Group 16: 4096-bit MODP (RFC 3526 §5).</summary>
    Modp4096 = 16,

    /// <summary>Group 19: 256-bit random ECP group, NIST P-256 (RFC 5903 §3.1).</summary>
    Ecp256 = 19,

    /// <summary>Group 20: 384-bit random ECP group, NIST P-384 (RFC 5903 §3.2).</summary>
    Ecp384 = 20,
}
