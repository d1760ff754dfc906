using System.Security.Cryptography;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// A keyed, truncated HMAC used as an ESP integrity transform: HMAC-MD5-96 (RFC 2403),
/// HMAC-SHA1-96 (RFC 2404) and HMAC-SHA2-256-128/384-192/512-256 (RFC 4868). The key lives in one
/// reusable OpenSSL context for the life of the SA so each packet costs no key schedule.
/// Not thread-safe: one instance per SA direction.
/// </summary>
public sealed class HmacIntegrity : IDisposable
{
    private readonly IncrementalHash _hmac;
    private readonly int _macSize;
    private bool _disposed;

    /// <summary>
    /// Creates an integrity transform over <paramref name="algorithm"/> whose ICV is the leftmost
    /// <paramref name="icvSize"/> bytes of the HMAC (RFC 2104 §5 truncation).
    /// </summary>
    public HmacIntegrity(DigestAlgorithm algorithm, ReadOnlySpan<byte> key, int icvSize)
    {
        _macSize = Digest.GetSize(algorithm);
        if (icvSize < 10 || icvSize > _macSize)
        {
            throw new ArgumentOutOfRangeException(nameof(icvSize), icvSize, $"ICV must be 10..{_macSize} bytes.");
        }

        if (key.IsEmpty)
        {
            throw new ArgumentException("HMAC key must not be empty.", nameof(key));
        }

        Algorithm = algorithm;
        IcvSize = icvSize;
        _hmac = IncrementalHash.CreateHMAC(Digest.GetName(algorithm), key);
    }

    /// <summary>The underlying hash.</summary>
    public DigestAlgorithm Algorithm { get; }

    /// <summary>Length in bytes of the truncated ICV this transform emits and expects.</summary>
    public int IcvSize { get; }

    /// <summary>HMAC-MD5-96 (RFC 2403): 16-byte key, 12-byte ICV.</summary>
    public static HmacIntegrity HmacMd5_96(ReadOnlySpan<byte> key) => Create(DigestAlgorithm.Md5, key, 16, 12);

    /// <summary>HMAC-SHA1-96 (RFC 2404): 20-byte key, 12-byte ICV.</summary>
    public static HmacIntegrity HmacSha1_96(ReadOnlySpan<byte> key) => Create(DigestAlgorithm.Sha1, key, 20, 12);

    /// <summary>HMAC-SHA2-256-128 (RFC 4868 §2.1): 32-byte key, 16-byte ICV.</summary>
    public static HmacIntegrity HmacSha256_128(ReadOnlySpan<byte> key) => Create(DigestAlgorithm.Sha256, key, 32, 16);

    /// <summary>HMAC-SHA2-384-192 (RFC 4868 §2.1): 48-byte key, 24-byte ICV.</summary>
    public static HmacIntegrity HmacSha384_192(ReadOnlySpan<byte> key) => Create(DigestAlgorithm.Sha384, key, 48, 24);

    /// <summary>HMAC-SHA2-512-256 (RFC 4868 §2.1): 64-byte key, 32-byte ICV.</summary>
    public static HmacIntegrity HmacSha512_256(ReadOnlySpan<byte> key) => Create(DigestAlgorithm.Sha512, key, 64, 32);

    /// <summary>
    /// Writes the ICV of <paramref name="data"/> into the first <see cref="IcvSize"/> bytes of
    /// <paramref name="icv"/>.
    /// </summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> icv)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (icv.Length < IcvSize)
        {
            throw new ArgumentException($"ICV destination must hold {IcvSize} bytes.", nameof(icv));
        }

        Span<byte> full = stackalloc byte[64];
        full = full[.._macSize];
        _hmac.AppendData(data);
        _hmac.GetHashAndReset(full);
        full[..IcvSize].CopyTo(icv);
        CryptographicOperations.ZeroMemory(full);
    }

    /// <summary>
    /// Recomputes the ICV of <paramref name="data"/> and compares it with <paramref name="icv"/> in
    /// constant time. Returns <see langword="false"/> when the ICV has the wrong length.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> icv)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (icv.Length != IcvSize)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[64];
        expected = expected[..IcvSize];
        Compute(data, expected);
        bool ok = CryptographicOperations.FixedTimeEquals(expected, icv);
        CryptographicOperations.ZeroMemory(expected);
        return ok;
    }

    /// <summary>Releases the OpenSSL HMAC context, which holds the key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _hmac.Dispose();
        }
    }

    private static HmacIntegrity Create(DigestAlgorithm algorithm, ReadOnlySpan<byte> key, int keySize, int icvSize)
    {
        // The ESP RFCs fix the key length to the hash output; a different length means the caller
        // sliced KEYMAT wrongly, which would otherwise only show up as interop failures.
        if (key.Length != keySize)
        {
            throw new ArgumentException($"Key must be {keySize} bytes for this transform.", nameof(key));
        }

        return new HmacIntegrity(algorithm, key, icvSize);
    }
}
