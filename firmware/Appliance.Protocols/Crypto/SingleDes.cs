using System.Numerics;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// Single-block DES (FIPS 46-3), needed only by MS-CHAPv2's ChallengeResponse (RFC 2759 §8.5),
/// which encrypts the 8-byte challenge under three 56-bit keys cut from the padded NT hash.
/// <para>
/// Why BouncyCastle rather than <c>System.Security.Cryptography.DES</c>: under OpenSSL 3 single DES
/// lives in the legacy provider module, which .NET loads only if <c>legacy.so</c> is installed
/// (verified: with <c>OPENSSL_MODULES</c> pointing to an empty directory .NET's DES throws
/// "unsupported"). The appliance image must not depend on that module. Also .NET's DES rejects
/// weak keys, while MS-CHAPv2 must accept whatever key the password hash yields.
/// </para>
/// </summary>
public static class SingleDes
{
    /// <summary>DES block size in bytes.</summary>
    public const int BlockSize = 8;

    /// <summary>DES key size in bytes, including the eight parity bits.</summary>
    public const int KeySize = 8;

    /// <summary>Size of a key without parity bits (56 bits).</summary>
    public const int CompactKeySize = 7;

    /// <summary>
    /// Spreads a 7-byte (56-bit) key over 8 bytes, seven key bits per byte in the high bits, and sets
    /// each byte's low bit for odd parity (RFC 2759 §8.6 "DesEncrypt" key expansion; FIPS 46-3 parity).
    /// </summary>
    public static void ExpandKey(ReadOnlySpan<byte> compactKey, Span<byte> key)
    {
        if (compactKey.Length != CompactKeySize)
        {
            throw new ArgumentException($"Compact DES key must be {CompactKeySize} bytes.", nameof(compactKey));
        }

        if (key.Length < KeySize)
        {
            throw new ArgumentException($"Destination must hold {KeySize} bytes.", nameof(key));
        }

        ulong bits = 0;
        foreach (byte b in compactKey)
        {
            bits = (bits << 8) | b;
        }

        for (int i = 0; i < KeySize; i++)
        {
            int septet = (int)((bits >> (49 - (7 * i))) & 0x7F);
            int withoutParity = septet << 1;
            int parity = (BitOperations.PopCount((uint)withoutParity) & 1) ^ 1;
            key[i] = (byte)(withoutParity | parity);
        }
    }

    /// <summary>Encrypts one 8-byte block under an 8-byte key (ECB, no padding).</summary>
    public static void EncryptBlock(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output) =>
        Process(true, key, input, output);

    /// <summary>Decrypts one 8-byte block under an 8-byte key (ECB, no padding).</summary>
    public static void DecryptBlock(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output) =>
        Process(false, key, input, output);

    private static void Process(bool encrypt, ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"DES key must be {KeySize} bytes.", nameof(key));
        }

        if (input.Length != BlockSize)
        {
            throw new ArgumentException($"DES input must be one {BlockSize}-byte block.", nameof(input));
        }

        if (output.Length < BlockSize)
        {
            throw new ArgumentException($"Destination must hold {BlockSize} bytes.", nameof(output));
        }

        var engine = new DesEngine();
        engine.Init(encrypt, new KeyParameter(key));
        engine.ProcessBlock(input, output);
    }
}
