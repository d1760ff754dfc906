using System.Security.Cryptography;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// AES-GCM with a 16-byte ICV as ESP uses it (RFC 4106, "AES-GCM-16"). The 12-byte GCM nonce is the
/// 4-byte salt, taken from the end of the KEYMAT for the SA (RFC 4106 §8.1), followed by the 8-byte
/// explicit IV carried in each packet (RFC 4106 §3.1 and §4). The AAD is SPI || sequence number
/// (or SPI || ESN high || low), assembled by the ESP layer (RFC 4106 §5).
/// The explicit IV must never repeat under one key; ESP uses the sequence number for that.
/// Encryption and decryption may work in place (output span the same memory as the input).
/// Not thread-safe: one instance per SA direction.
/// </summary>
public sealed class EspAesGcm : IDisposable
{
    /// <summary>Salt length in bytes (RFC 4106 §4).</summary>
    public const int SaltSize = 4;

    /// <summary>Explicit per-packet IV length in bytes (RFC 4106 §3.1).</summary>
    public const int ExplicitIvSize = 8;

    /// <summary>GCM nonce length: salt followed by explicit IV.</summary>
    public const int NonceSize = SaltSize + ExplicitIvSize;

    /// <summary>ICV (GCM tag) length of the AES-GCM-16 transform.</summary>
    public const int IcvSize = 16;

    private readonly AesGcm _gcm;
    private readonly byte[] _salt;
    private bool _disposed;

    /// <summary>
    /// Creates the transform from ESP keying material laid out as RFC 4106 §8.1 specifies: the AES
    /// key (16, 24 or 32 bytes) followed by the 4-byte salt, i.e. 20, 28 or 36 bytes in total.
    /// </summary>
    public EspAesGcm(ReadOnlySpan<byte> keyingMaterial)
        : this(SplitKey(keyingMaterial), keyingMaterial[^SaltSize..])
    {
    }

    /// <summary>Creates the transform from an AES key (16, 24 or 32 bytes) and a 4-byte salt.</summary>
    public EspAesGcm(ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException("AES key must be 16, 24 or 32 bytes.", nameof(key));
        }

        if (salt.Length != SaltSize)
        {
            throw new ArgumentException($"Salt must be {SaltSize} bytes.", nameof(salt));
        }

        _gcm = new AesGcm(key, IcvSize);
        _salt = salt.ToArray();
        KeySize = key.Length;
    }

    /// <summary>AES key size in bytes (without the salt).</summary>
    public int KeySize { get; }

    /// <summary>
    /// Writes the GCM nonce salt || explicitIv (RFC 4106 §4) into the first 12 bytes of
    /// <paramref name="nonce"/>.
    /// </summary>
    public static void BuildNonce(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> explicitIv, Span<byte> nonce)
    {
        if (salt.Length != SaltSize)
        {
            throw new ArgumentException($"Salt must be {SaltSize} bytes.", nameof(salt));
        }

        if (explicitIv.Length != ExplicitIvSize)
        {
            throw new ArgumentException($"Explicit IV must be {ExplicitIvSize} bytes.", nameof(explicitIv));
        }

        if (nonce.Length < NonceSize)
        {
            throw new ArgumentException($"Nonce destination must hold {NonceSize} bytes.", nameof(nonce));
        }

        salt.CopyTo(nonce);
        explicitIv.CopyTo(nonce[SaltSize..]);
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length) and
    /// writes the 16-byte ICV into <paramref name="icv"/>. Wrong lengths throw
    /// <see cref="ArgumentException"/>.
    /// </summary>
    public void Encrypt(ReadOnlySpan<byte> explicitIv, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> icv, ReadOnlySpan<byte> associatedData = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ciphertext.Length != plaintext.Length)
        {
            throw new ArgumentException("Ciphertext destination must be as long as the plaintext.", nameof(ciphertext));
        }

        if (icv.Length != IcvSize)
        {
            throw new ArgumentException($"ICV destination must be {IcvSize} bytes.", nameof(icv));
        }

        Span<byte> nonce = stackalloc byte[NonceSize];
        BuildNonce(_salt, explicitIv, nonce);
        _gcm.Encrypt(nonce, plaintext, ciphertext, icv, associatedData);
    }

    /// <summary>
    /// Authenticates and decrypts. Returns <see langword="false"/> when the ICV does not match
    /// (plaintext is then zeroed) or when any length is malformed: explicit IV not 8 bytes, ICV not
    /// 16 bytes, or plaintext destination not exactly as long as the ciphertext.
    /// </summary>
    public bool TryDecrypt(ReadOnlySpan<byte> explicitIv, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> icv, Span<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (explicitIv.Length != ExplicitIvSize || icv.Length != IcvSize || plaintext.Length != ciphertext.Length)
        {
            return false;
        }

        Span<byte> nonce = stackalloc byte[NonceSize];
        BuildNonce(_salt, explicitIv, nonce);
        try
        {
            _gcm.Decrypt(nonce, ciphertext, icv, plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    /// <summary>Frees the OpenSSL context holding the key and clears the salt.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _gcm.Dispose();
            CryptographicOperations.ZeroMemory(_salt);
        }
    }

    private static ReadOnlySpan<byte> SplitKey(ReadOnlySpan<byte> keyingMaterial)
    {
        if (keyingMaterial.Length is not (20 or 28 or 36))
        {
            throw new ArgumentException("ESP AES-GCM keying material must be 20, 28 or 36 bytes (key followed by 4-byte salt).", nameof(keyingMaterial));
        }

        return keyingMaterial[..^SaltSize];
    }
}
