using System.Security.Cryptography;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// One-shot hashing over spans for the negotiated <see cref="DigestAlgorithm"/> set. A thin switch
/// over the OpenSSL-backed .NET implementations so that protocol code can carry the algorithm as
/// a value instead of picking .NET types.
/// </summary>
public static class Digest
{
    /// <summary>Output length in bytes of <paramref name="algorithm"/>.</summary>
    public static int GetSize(DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Md5 => MD5.HashSizeInBytes,
        DigestAlgorithm.Sha1 => SHA1.HashSizeInBytes,
        DigestAlgorithm.Sha256 => SHA256.HashSizeInBytes,
        DigestAlgorithm.Sha384 => SHA384.HashSizeInBytes,
        DigestAlgorithm.Sha512 => SHA512.HashSizeInBytes,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown digest algorithm."),
    };

    /// <summary>The .NET name for <paramref name="algorithm"/> (for IncrementalHash and RSA).</summary>
    internal static HashAlgorithmName GetName(DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Md5 => HashAlgorithmName.MD5,
        DigestAlgorithm.Sha1 => HashAlgorithmName.SHA1,
        DigestAlgorithm.Sha256 => HashAlgorithmName.SHA256,
        DigestAlgorithm.Sha384 => HashAlgorithmName.SHA384,
        DigestAlgorithm.Sha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown digest algorithm."),
    };

    /// <summary>Hashes <paramref name="data"/> and returns a new array of <see cref="GetSize"/> bytes.</summary>
    public static byte[] Hash(DigestAlgorithm algorithm, ReadOnlySpan<byte> data)
    {
        var result = new byte[GetSize(algorithm)];
        Hash(algorithm, data, result);
        return result;
    }

    /// <summary>
    /// Hashes <paramref name="data"/> into <paramref name="destination"/> and returns the number of
    /// bytes written. Throws <see cref="ArgumentException"/> if the destination is too small.
    /// </summary>
    public static int Hash(DigestAlgorithm algorithm, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        int size = GetSize(algorithm);
        if (destination.Length < size)
        {
            throw new ArgumentException($"Destination must hold {size} bytes.", nameof(destination));
        }

        return algorithm switch
        {
            DigestAlgorithm.Md5 => MD5.HashData(data, destination),
            DigestAlgorithm.Sha1 => SHA1.HashData(data, destination),
            DigestAlgorithm.Sha256 => SHA256.HashData(data, destination),
            DigestAlgorithm.Sha384 => SHA384.HashData(data, destination),
            _ => SHA512.HashData(data, destination),
        };
    }
}
