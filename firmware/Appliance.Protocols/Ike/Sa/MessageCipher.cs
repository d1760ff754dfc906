using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>
/// CBC over IKEv1 message bodies (RFC 2409 Appendix B): the IV of a message is the last
/// ciphertext block of the previous message of the same exchange; the body is padded with zeros
/// to the block size (the receiver finds the end from the payload lengths).
/// </summary>
internal sealed class MessageCipher(CbcCipher cipher) : IDisposable
{
    public int BlockSize => cipher.BlockSize;

    /// <summary>Decrypts a body; null when it is not a whole number of blocks. Updates <paramref name="iv"/>.</summary>
    public byte[]? Decrypt(ref byte[] iv, ReadOnlySpan<byte> body)
    {
        if (body.Length == 0 || body.Length % BlockSize != 0) return null;
        var plain = new byte[body.Length];
        if (!cipher.TryDecrypt(iv, body, plain)) return null;
        iv = body[^BlockSize..].ToArray();
        return plain;
    }

    public byte[] Encrypt(ref byte[] iv, ReadOnlySpan<byte> plain)
    {
        int padded = Math.Max(BlockSize, (plain.Length + BlockSize - 1) / BlockSize * BlockSize);
        var buffer = new byte[padded];
        plain.CopyTo(buffer);
        var encrypted = new byte[padded];
        cipher.Encrypt(iv, buffer, encrypted);
        iv = encrypted[^BlockSize..].ToArray();
        return encrypted;
    }

    public void Dispose() => cipher.Dispose();
}
