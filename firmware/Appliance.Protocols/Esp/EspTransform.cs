using System.Diagnostics.CodeAnalysis;

namespace Appliance.Protocols.Esp;

/// <summary>The ESP encryption algorithm of an SA.</summary>
public enum EspCipher
{
    /// <summary>AES-CBC with an explicit 16-byte IV per packet (RFC 3602); 128, 192 or 256-bit key.</summary>
    AesCbc,

    /// <summary>Three-key 3DES-CBC with an explicit 8-byte IV per packet (RFC 2451). Legacy clients only.</summary>
    TripleDesCbc,

    /// <summary>
    /// AES-GCM with a 16-byte ICV (RFC 4106, IKEv2 ENCR_AES_GCM_16); combined mode, so the SA has no
    /// separate integrity algorithm. The key carries a 4-byte salt at its end (RFC 4106 §8.1).
    /// </summary>
    AesGcm16,
}

/// <summary>The ESP integrity algorithm of an SA (always <see cref="None"/> for AES-GCM).</summary>
public enum EspIntegrity
{
    /// <summary>No separate integrity algorithm: only valid with a combined-mode cipher (RFC 4303 §3.2.3).</summary>
    None,

    /// <summary>HMAC-MD5-96 (RFC 2403): 16-byte key, 12-byte ICV. Legacy clients only.</summary>
    HmacMd5_96,

    /// <summary>HMAC-SHA1-96 (RFC 2404): 20-byte key, 12-byte ICV.</summary>
    HmacSha1_96,

    /// <summary>HMAC-SHA2-256-128 (RFC 4868): 32-byte key, 16-byte ICV.</summary>
    HmacSha256_128,

    /// <summary>HMAC-SHA2-384-192 (RFC 4868): 48-byte key, 24-byte ICV.</summary>
    HmacSha384_192,

    /// <summary>HMAC-SHA2-512-256 (RFC 4868): 64-byte key, 32-byte ICV.</summary>
    HmacSha512_256,
}

/// <summary>
/// The algorithms of one ESP SA and the sizes that follow from them: how much keying material each
/// direction needs (so the IKE layer can slice KEYMAT, RFC 7296 §2.17 / RFC 2409 §5.5), and how the
/// packet is framed (IV, padding alignment, ICV). Only valid combinations can be built:
/// a CBC cipher always comes with an HMAC (ESP without integrity is not offered, RFC 8221 §5), and
/// AES-GCM never does. Value equality: two transforms are equal when their algorithms are.
/// </summary>
public sealed record EspTransform
{
    private EspTransform(EspCipher cipher, int keyBits, EspIntegrity integrity)
    {
        Cipher = cipher;
        KeyBits = keyBits;
        Integrity = integrity;
        switch (cipher)
        {
            case EspCipher.AesGcm16:
                // RFC 4106 §8.1: KEYMAT for the SA is the AES key followed by the 4-byte salt.
                EncryptionKeyLength = keyBits / 8 + 4;
                IvLength = 8;          // RFC 4106 §3.1
                PaddingAlignment = 4;  // GCM is a stream mode; RFC 4303 §2.4 still wants 4-byte alignment
                IcvLength = 16;        // RFC 4106 §6: the 16-octet ICV variant
                break;
            case EspCipher.AesCbc:
                EncryptionKeyLength = keyBits / 8;
                IvLength = 16;         // RFC 3602 §2.1
                PaddingAlignment = 16; // the AES block
                break;
            default:
                EncryptionKeyLength = 24;
                IvLength = 8;          // RFC 2451 §2.2 (64-bit block)
                PaddingAlignment = 8;
                break;
        }

        (IntegrityKeyLength, int icv) = integrity switch
        {
            EspIntegrity.HmacMd5_96 => (16, 12),
            EspIntegrity.HmacSha1_96 => (20, 12),
            EspIntegrity.HmacSha256_128 => (32, 16),
            EspIntegrity.HmacSha384_192 => (48, 24),
            EspIntegrity.HmacSha512_256 => (64, 32),
            _ => (0, 0),
        };
        if (integrity != EspIntegrity.None)
        {
            IcvLength = icv;
        }
    }

    /// <summary>AES-128-CBC with HMAC-SHA1-96: the common L2TP/IPsec choice of Windows, Android and Apple clients.</summary>
    public static EspTransform AesCbc128HmacSha1_96 { get; } = new(EspCipher.AesCbc, 128, EspIntegrity.HmacSha1_96);

    /// <summary>AES-256-CBC with HMAC-SHA1-96.</summary>
    public static EspTransform AesCbc256HmacSha1_96 { get; } = new(EspCipher.AesCbc, 256, EspIntegrity.HmacSha1_96);

    /// <summary>AES-128-CBC with HMAC-SHA2-256-128.</summary>
    public static EspTransform AesCbc128HmacSha256_128 { get; } = new(EspCipher.AesCbc, 128, EspIntegrity.HmacSha256_128);

    /// <summary>AES-256-CBC with HMAC-SHA2-256-128.</summary>
    public static EspTransform AesCbc256HmacSha256_128 { get; } = new(EspCipher.AesCbc, 256, EspIntegrity.HmacSha256_128);

    /// <summary>AES-128-GCM with a 16-byte ICV; 20 bytes of keying material (key + salt).</summary>
    public static EspTransform AesGcm16_128 { get; } = new(EspCipher.AesGcm16, 128, EspIntegrity.None);

    /// <summary>AES-192-GCM with a 16-byte ICV; 28 bytes of keying material (key + salt).</summary>
    public static EspTransform AesGcm16_192 { get; } = new(EspCipher.AesGcm16, 192, EspIntegrity.None);

    /// <summary>AES-256-GCM with a 16-byte ICV; 36 bytes of keying material (key + salt).</summary>
    public static EspTransform AesGcm16_256 { get; } = new(EspCipher.AesGcm16, 256, EspIntegrity.None);

    /// <summary>3DES-CBC with HMAC-SHA1-96, for legacy clients.</summary>
    public static EspTransform TripleDesCbcHmacSha1_96 { get; } = new(EspCipher.TripleDesCbc, 192, EspIntegrity.HmacSha1_96);

    /// <summary>3DES-CBC with HMAC-MD5-96, for the oldest legacy clients.</summary>
    public static EspTransform TripleDesCbcHmacMd5_96 { get; } = new(EspCipher.TripleDesCbc, 192, EspIntegrity.HmacMd5_96);

    /// <summary>The encryption algorithm.</summary>
    public EspCipher Cipher { get; }

    /// <summary>Cipher key size in bits (without the GCM salt): 128, 192 or 256 for AES, 192 for 3DES.</summary>
    public int KeyBits { get; }

    /// <summary>The integrity algorithm; <see cref="EspIntegrity.None"/> for AES-GCM.</summary>
    public EspIntegrity Integrity { get; }

    /// <summary>Bytes of encryption keying material per direction (for AES-GCM including the 4-byte salt).</summary>
    public int EncryptionKeyLength { get; }

    /// <summary>Bytes of integrity keying material per direction; 0 for AES-GCM.</summary>
    public int IntegrityKeyLength { get; }

    /// <summary>Length of the explicit IV carried in each packet.</summary>
    public int IvLength { get; }

    /// <summary>Payload || padding || pad length || next header is padded to a multiple of this (RFC 4303 §2.4).</summary>
    public int PaddingAlignment { get; }

    /// <summary>Length of the ICV at the end of each packet.</summary>
    public int IcvLength { get; }

    /// <summary>True for combined-mode (AEAD) ciphers.</summary>
    public bool IsCombinedMode => Cipher == EspCipher.AesGcm16;

    /// <summary>
    /// Builds a transform from separately negotiated parts, as IKE proposals carry them. Returns
    /// <see langword="false"/> for combinations this datapath does not run: AES key sizes other than
    /// 128/192/256, 3DES other than 192, CBC without integrity, GCM with integrity.
    /// </summary>
    public static bool TryCreate(EspCipher cipher, int keyBits, EspIntegrity integrity, [NotNullWhen(true)] out EspTransform? transform)
    {
        bool valid = cipher switch
        {
            EspCipher.AesCbc => keyBits is 128 or 192 or 256 && integrity != EspIntegrity.None && Enum.IsDefined(integrity),
            EspCipher.TripleDesCbc => keyBits == 192 && integrity != EspIntegrity.None && Enum.IsDefined(integrity),
            EspCipher.AesGcm16 => keyBits is 128 or 192 or 256 && integrity == EspIntegrity.None,
            _ => false,
        };
        transform = valid ? new EspTransform(cipher, keyBits, integrity) : null;
        return valid;
    }

    /// <summary>
    /// Upper bound of the bytes ESP adds to a payload under <paramref name="transform"/>:
    /// SPI + sequence number (8) + IV + the most padding (alignment − 1) + pad length and next
    /// header (2) + ICV. Size transmit buffers as payload length + this.
    /// </summary>
    public static int MaxOverhead(EspTransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return EspPacket.HeaderLength + transform.IvLength + transform.PaddingAlignment - 1 + EspPacket.TrailerLength + transform.IcvLength;
    }

    /// <summary>
    /// The exact length of the ESP packet carrying <paramref name="payloadLength"/> bytes, with the
    /// minimal padding this implementation sends.
    /// </summary>
    public int GetPacketLength(int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        return EspPacket.HeaderLength + IvLength + GetCiphertextLength(payloadLength) + IcvLength;
    }

    /// <summary>A strongSwan-style proposal name, e.g. <c>aes128-sha1</c>, <c>aes256gcm16</c>, <c>3des-md5</c>.</summary>
    public override string ToString()
    {
        string cipher = Cipher switch
        {
            EspCipher.AesGcm16 => $"aes{KeyBits}gcm16",
            EspCipher.AesCbc => $"aes{KeyBits}",
            _ => "3des",
        };
        string integrity = Integrity switch
        {
            EspIntegrity.HmacMd5_96 => "-md5",
            EspIntegrity.HmacSha1_96 => "-sha1",
            EspIntegrity.HmacSha256_128 => "-sha256",
            EspIntegrity.HmacSha384_192 => "-sha384",
            EspIntegrity.HmacSha512_256 => "-sha512",
            _ => string.Empty,
        };
        return cipher + integrity;
    }

    /// <summary>
    /// Length of payload || padding || pad length || next header: the smallest multiple of
    /// <see cref="PaddingAlignment"/> that holds the payload and the two trailer bytes.
    /// </summary>
    internal int GetCiphertextLength(int payloadLength)
    {
        int unpadded = payloadLength + EspPacket.TrailerLength;
        return unpadded + (PaddingAlignment - unpadded % PaddingAlignment) % PaddingAlignment;
    }
}
