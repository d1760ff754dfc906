using System.Security.Cryptography;
using System.Text;

namespace Appliance.Services.Certificates;

/// <summary>
/// Seals a private key (PKCS#8 DER) with AES-256-GCM under the device key, the scheme that
/// <see cref="Users.PasswordSealer"/> uses for passwords: nonce (12) | ciphertext | tag (16). The
/// key pair's id ("ca", "server") is the associated data, so the sealed CA key cannot be passed
/// off as the server's or the other way round.
/// </summary>
public sealed class PrivateKeySealer(byte[] deviceKey) : IDisposable
{
    private const int NonceLength = 12, TagLength = 16;
    private readonly AesGcm _aead = new(deviceKey, TagLength);

    public byte[] Seal(string id, ReadOnlySpan<byte> privateKey)
    {
        var sealedValue = new byte[NonceLength + privateKey.Length + TagLength];
        var nonce = sealedValue.AsSpan(0, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        _aead.Encrypt(nonce, privateKey, sealedValue.AsSpan(NonceLength, privateKey.Length),
            sealedValue.AsSpan(NonceLength + privateKey.Length), Encoding.UTF8.GetBytes(id));
        return sealedValue;
    }

    /// <summary>The key, or null when the value is damaged, sealed under another device key or for
    /// another id. The caller clears the returned bytes.</summary>
    public byte[]? Unseal(string id, byte[] sealedValue)
    {
        if (sealedValue.Length < NonceLength + TagLength) return null;
        int length = sealedValue.Length - NonceLength - TagLength;
        var plain = new byte[length];
        try
        {
            _aead.Decrypt(sealedValue.AsSpan(0, NonceLength), sealedValue.AsSpan(NonceLength, length),
                sealedValue.AsSpan(NonceLength + length), plain, Encoding.UTF8.GetBytes(id));
            return plain;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plain);
            return null;
        }
    }

    public void Dispose() => _aead.Dispose();
}
