using Org.BouncyCastle.Crypto.Digests;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// MD4 (RFC 1320). Broken as a hash, but MS-CHAPv2 (RFC 2759 §8.3) defines the NT password hash as
/// MD4 over the UTF-16LE password, so the appliance cannot avoid it. OpenSSL 3 moved MD4 to the
/// optional legacy provider and .NET has no MD4 at all, hence the managed BouncyCastle digest.
/// </summary>
public static class Md4
{
    /// <summary>Digest length in bytes.</summary>
    public const int HashSize = 16;

    /// <summary>Returns MD4(<paramref name="data"/>).</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var result = new byte[HashSize];
        Hash(data, result);
        return result;
    }

    /// <summary>Writes MD4(<paramref name="data"/>) into the first 16 bytes of <paramref name="destination"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (destination.Length < HashSize)
        {
            throw new ArgumentException($"Destination must hold {HashSize} bytes.", nameof(destination));
        }

        var digest = new MD4Digest();
        digest.BlockUpdate(data);
        digest.DoFinal(destination); // DoFinal also resets, wiping the buffered input block.
    }
}
