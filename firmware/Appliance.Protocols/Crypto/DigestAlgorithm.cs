namespace Appliance.Protocols.Crypto;

/// <summary>
/// The hash functions the appliance negotiates, used plain, as the IKE PRF (HMAC, RFC 2409 §4)
/// and as ESP/IKE integrity (RFC 2403, RFC 2404, RFC 4868). These are local identifiers, not
/// wire codes: the IKE and ESP codecs map their own attribute values onto them.
/// </summary>
public enum DigestAlgorithm
{
    /// <summary>MD5 (RFC 1321). Only for HMAC-MD5 and CHAP, never for signatures.</summary>
    Md5,

    /// <summary>SHA-1 (FIPS 180-4).</summary>
    Sha1,

    /// <summary>SHA2-256 (FIPS 180-4).</summary>
    Sha256,

    /// <summary>SHA2-384 (FIPS 180-4).</summary>
    Sha384,

    /// <summary>SHA2-512 (FIPS 180-4).</summary>
    Sha512,
}
