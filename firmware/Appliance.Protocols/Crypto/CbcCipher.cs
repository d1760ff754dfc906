using System.Security.Cryptography;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// A keyed CBC cipher for IKEv1 payload encryption (RFC 2409 Appendix B) and ESP
/// (RFC 3602 AES-CBC, RFC 2451 3DES-CBC). Both protocols do their own padding and carry or chain
/// their own IVs, so this type works on whole blocks with no padding and takes the IV per call.
/// The key schedule is built once and reused. Encryption and decryption may work in place
/// (destination the same memory as the input). Not thread-safe: one instance per SA direction.
/// </summary>
public sealed class CbcCipher : IDisposable
{
    private readonly SymmetricAlgorithm _cipher;
    private bool _disposed;

    private CbcCipher(CbcAlgorithm algorithm, SymmetricAlgorithm cipher, int keySize)
    {
        Algorithm = algorithm;
        _cipher = cipher;
        KeySize = keySize;
        BlockSize = cipher.BlockSize / 8;
    }

    /// <summary>The block cipher.</summary>
    public CbcAlgorithm Algorithm { get; }

    /// <summary>Block (and IV) size in bytes: 16 for AES, 8 for 3DES.</summary>
    public int BlockSize { get; }

    /// <summary>Key size in bytes.</summary>
    public int KeySize { get; }

    /// <summary>Creates an AES-CBC cipher; <paramref name="key"/> must be 16, 24 or 32 bytes.</summary>
    public static CbcCipher CreateAes(ReadOnlySpan<byte> key)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException("AES key must be 16, 24 or 32 bytes.", nameof(key));
        }

        var aes = Aes.Create();
        aes.SetKey(key);
        return new CbcCipher(CbcAlgorithm.Aes, aes, key.Length);
    }

    /// <summary>
    /// Creates a 3DES-CBC cipher from a 24-byte key (three independent DES keys, RFC 2451 §2.1).
    /// Keys where K1 = K2 or K2 = K3 (which collapse to single DES) are refused with
    /// <see cref="ArgumentException"/>.
    /// </summary>
    public static CbcCipher CreateTripleDes(ReadOnlySpan<byte> key)
    {
        if (key.Length != 24)
        {
            throw new ArgumentException("3DES key must be 24 bytes.", nameof(key));
        }

        var des = TripleDES.Create();
        try
        {
            des.SetKey(key);
        }
        catch (CryptographicException ex)
        {
            des.Dispose();
            throw new ArgumentException("3DES key is weak (two of its DES keys are equal).", nameof(key), ex);
        }

        return new CbcCipher(CbcAlgorithm.TripleDes, des, key.Length);
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> (a non-empty multiple of <see cref="BlockSize"/>) with
    /// <paramref name="iv"/> into <paramref name="destination"/> and returns the byte count.
    /// Wrong lengths are caller bugs and throw <see cref="ArgumentException"/>.
    /// </summary>
    public int Encrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (iv.Length != BlockSize)
        {
            throw new ArgumentException($"IV must be {BlockSize} bytes.", nameof(iv));
        }

        if (plaintext.IsEmpty || plaintext.Length % BlockSize != 0)
        {
            throw new ArgumentException($"Plaintext must be a non-empty multiple of {BlockSize} bytes.", nameof(plaintext));
        }

        if (destination.Length < plaintext.Length)
        {
            throw new ArgumentException("Destination is shorter than the plaintext.", nameof(destination));
        }

        return _cipher.EncryptCbc(plaintext, iv, destination, PaddingMode.None);
    }

    /// <summary>Encrypts <paramref name="plaintext"/> and returns the ciphertext as a new array.</summary>
    public byte[] Encrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext)
    {
        var result = new byte[plaintext.Length];
        Encrypt(iv, plaintext, result);
        return result;
    }

    /// <summary>
    /// Decrypts <paramref name="ciphertext"/> into <paramref name="destination"/>. Ciphertext comes
    /// off the wire, so malformed lengths (wrong IV size, empty or not a multiple of the block size,
    /// destination too small) return <see langword="false"/> instead of throwing. CBC has no
    /// integrity: success says nothing about authenticity.
    /// </summary>
    public bool TryDecrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (iv.Length != BlockSize || ciphertext.IsEmpty || ciphertext.Length % BlockSize != 0 ||
            destination.Length < ciphertext.Length)
        {
            return false;
        }

        _cipher.DecryptCbc(ciphertext, iv, destination, PaddingMode.None);
        return true;
    }

    /// <summary>
    /// Decrypts <paramref name="ciphertext"/> and returns the plaintext; throws
    /// <see cref="ArgumentException"/> on malformed lengths.
    /// </summary>
    public byte[] Decrypt(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext)
    {
        var result = new byte[ciphertext.Length];
        if (!TryDecrypt(iv, ciphertext, result))
        {
            throw new ArgumentException($"IV must be {BlockSize} bytes and ciphertext a non-empty multiple of {BlockSize} bytes.", nameof(ciphertext));
        }

        return result;
    }

    /// <summary>Releases the cipher; .NET clears its key copy and OpenSSL frees its context.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _cipher.Dispose();
        }
    }
}
