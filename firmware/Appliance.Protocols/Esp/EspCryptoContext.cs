using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Esp;

/// <summary>
/// The keyed primitives of one SA direction, built once from <see cref="EspSaParameters"/>: either
/// AES-GCM alone, or a CBC cipher plus an HMAC. Key schedules and OpenSSL contexts live as long as
/// the SA, so a packet costs no key setup.
/// </summary>
internal sealed class EspCryptoContext : IDisposable
{
    private EspCryptoContext(EspAesGcm? gcm, CbcCipher? cbc, HmacIntegrity? hmac)
    {
        Gcm = gcm;
        Cbc = cbc;
        Hmac = hmac;
    }

    public EspAesGcm? Gcm { get; }

    public CbcCipher? Cbc { get; }

    public HmacIntegrity? Hmac { get; }

    public static EspCryptoContext Create(EspSaParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        EspTransform transform = parameters.Transform;
        ReadOnlySpan<byte> encryptionKey = parameters.EncryptionKey.Span;
        if (transform.Cipher == EspCipher.AesGcm16)
        {
            return new EspCryptoContext(new EspAesGcm(encryptionKey), null, null);
        }

        CbcCipher cbc = transform.Cipher == EspCipher.AesCbc
            ? CbcCipher.CreateAes(encryptionKey)
            : CbcCipher.CreateTripleDes(encryptionKey);
        try
        {
            ReadOnlySpan<byte> integrityKey = parameters.IntegrityKey.Span;
            HmacIntegrity hmac = transform.Integrity switch
            {
                EspIntegrity.HmacMd5_96 => HmacIntegrity.HmacMd5_96(integrityKey),
                EspIntegrity.HmacSha1_96 => HmacIntegrity.HmacSha1_96(integrityKey),
                EspIntegrity.HmacSha256_128 => HmacIntegrity.HmacSha256_128(integrityKey),
                EspIntegrity.HmacSha384_192 => HmacIntegrity.HmacSha384_192(integrityKey),
                EspIntegrity.HmacSha512_256 => HmacIntegrity.HmacSha512_256(integrityKey),
                _ => throw new ArgumentException($"{transform} has no integrity algorithm.", nameof(parameters)),
            };
            return new EspCryptoContext(null, cbc, hmac);
        }
        catch
        {
            cbc.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Gcm?.Dispose();
        Cbc?.Dispose();
        Hmac?.Dispose();
    }
}
