using System.Security.Cryptography;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// One-shot HMAC (RFC 2104) for the IKE PRF and for occasional integrity checks. IKEv1 derives
/// SKEYID, SKEYID_d/a/e, HASH_I/R and KEYMAT with prf = HMAC over the negotiated hash
/// (RFC 2409 §4 and §5); those calls have a fresh key each time, so a one-shot API fits. For
/// per-packet ESP integrity with a long-lived key use <see cref="HmacIntegrity"/>.
/// </summary>
public static class Hmac
{
    /// <summary>RFC 2104 §5: a truncated MAC must keep at least 80 bits.</summary>
    private const int MinimumTruncatedLength = 10;

    /// <summary>Computes HMAC(key, data) and returns the full-length MAC.</summary>
    public static byte[] Compute(DigestAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var mac = new byte[Digest.GetSize(algorithm)];
        Compute(algorithm, key, data, mac);
        return mac;
    }

    /// <summary>
    /// Computes HMAC(key, data) into <paramref name="destination"/> (which must hold the full MAC)
    /// and returns the number of bytes written.
    /// </summary>
    public static int Compute(DigestAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        int size = Digest.GetSize(algorithm);
        if (destination.Length < size)
        {
            throw new ArgumentException($"Destination must hold {size} bytes.", nameof(destination));
        }

        return algorithm switch
        {
            DigestAlgorithm.Md5 => HMACMD5.HashData(key, data, destination),
            DigestAlgorithm.Sha1 => HMACSHA1.HashData(key, data, destination),
            DigestAlgorithm.Sha256 => HMACSHA256.HashData(key, data, destination),
            DigestAlgorithm.Sha384 => HMACSHA384.HashData(key, data, destination),
            _ => HMACSHA512.HashData(key, data, destination),
        };
    }

    /// <summary>
    /// Checks <paramref name="mac"/> against HMAC(key, data) in constant time. A truncated MAC
    /// (its leftmost bytes, RFC 2104 §5) is accepted when it keeps at least half the output and at
    /// least 80 bits; any other length returns <see langword="false"/>.
    /// </summary>
    public static bool Verify(DigestAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> mac)
    {
        int size = Digest.GetSize(algorithm);
        if (mac.Length > size || mac.Length < Math.Max(MinimumTruncatedLength, size / 2))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[64];
        expected = expected[..size];
        try
        {
            Compute(algorithm, key, data, expected);
            return CryptographicOperations.FixedTimeEquals(expected[..mac.Length], mac);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(expected);
        }
    }
}
