namespace Appliance.Protocols.Crypto;

/// <summary>
/// One ephemeral Diffie-Hellman key pair for one IKE exchange (the KE payload, RFC 2409 §5).
/// Implementations are swappable (e.g. a libcrypto-backed MODP later); they must all produce
/// fixed-length, left-zero-padded values as RFC 2409 §5 and RFC 5903 §7 require, and must refuse
/// invalid peer values before using them.
/// </summary>
public interface IDiffieHellman : IDisposable
{
    /// <summary>The IANA/IKE group number (e.g. 14 for MODP-2048, 19 for ECP-256).</summary>
    int Group { get; }

    /// <summary>
    /// Our public value as sent in the KE payload: g^x mod p left-padded to the prime length for
    /// MODP groups; x || y (no 0x04 prefix), each coordinate field-length, for ECP groups.
    /// </summary>
    ReadOnlySpan<byte> PublicValue { get; }

    /// <summary>
    /// Validates the peer's KE value and returns the shared secret g^xy: left-padded to the prime
    /// length for MODP; the x coordinate only, field-length, for ECP (RFC 5903 §7).
    /// Throws <see cref="ArgumentException"/> when the peer value has the wrong length, is out of
    /// range (MODP: not 1 &lt; y &lt; p-1) or is not a point on the curve (ECP).
    /// </summary>
    byte[] DeriveSharedSecret(ReadOnlySpan<byte> peerPublic);
}
