using System.Security.Cryptography;
using System.Text;

namespace Appliance.Services.Users;

/// <summary>Seals a password with AES-256-GCM under the device key, bound to the user name
/// (associated data), so a sealed value cannot be moved to another user's record.</summary>
public sealed class PasswordSealer(byte[] deviceKey) : IDisposable
{
    private const int NonceLength = 12, TagLength = 16;
    private readonly AesGcm _aead = new(deviceKey, TagLength);

    public byte[] Seal(string userName, string password)
    {
        byte[] plain = Encoding.UTF8.GetBytes(password);
        var sealedValue = new byte[NonceLength + plain.Length + TagLength];
        var nonce = sealedValue.AsSpan(0, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        _aead.Encrypt(nonce, plain, sealedValue.AsSpan(NonceLength, plain.Length),
            sealedValue.AsSpan(NonceLength + plain.Length), Encoding.UTF8.GetBytes(userName));
        CryptographicOperations.ZeroMemory(plain);
        return sealedValue;
    }

    /// <summary>The password, or null when the value is damaged or sealed under another key.</summary>
    public string? Unseal(string userName, byte[] sealedValue)
    {
        if (sealedValue.Length < NonceLength + TagLength) return null;
        int length = sealedValue.Length - NonceLength - TagLength;
        var plain = new byte[length];
        try
        {
            _aead.Decrypt(sealedValue.AsSpan(0, NonceLength), sealedValue.AsSpan(NonceLength, length),
                sealedValue.AsSpan(NonceLength + length), plain, Encoding.UTF8.GetBytes(userName));
            return Encoding.UTF8.GetString(plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    public void Dispose() => _aead.Dispose();
}
