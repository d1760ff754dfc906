using System.Security.Cryptography;

namespace Appliance.Bench.Ike;

/// <summary>
/// The RFC 2409 primitives the initiator needs, straight from .NET: prf (HMAC with the negotiated
/// hash), the hash itself (IVs), and CBC without padding (IKEv1 pads with zeros itself).
/// </summary>
internal static class Ikev1Crypto
{
    // One-shot HMAC/hash over the parts joined: cheaper than an incremental context per call
    // (each of those is a fresh OpenSSL context), and this runs ~15 times per handshake.
    public static byte[] Prf(ushort hashId, byte[] key, params ReadOnlySpan<byte[]> parts)
    {
        byte[] data = Join(parts);
        return hashId switch
        {
            2 => HMACSHA1.HashData(key, data),
            4 => HMACSHA256.HashData(key, data),
            5 => HMACSHA384.HashData(key, data),
            6 => HMACSHA512.HashData(key, data),
            _ => throw new ArgumentOutOfRangeException(nameof(hashId), hashId, "hash not used by this driver"),
        };
    }

    public static byte[] Hash(ushort hashId, params ReadOnlySpan<byte[]> parts)
    {
        byte[] data = Join(parts);
        return hashId switch
        {
            2 => SHA1.HashData(data),
            4 => SHA256.HashData(data),
            5 => SHA384.HashData(data),
            6 => SHA512.HashData(data),
            _ => throw new ArgumentOutOfRangeException(nameof(hashId), hashId, "hash not used by this driver"),
        };
    }

    private static byte[] Join(ReadOnlySpan<byte[]> parts)
    {
        int length = 0;
        foreach (byte[] part in parts) length += part.Length;
        var data = new byte[length];
        int offset = 0;
        foreach (byte[] part in parts)
        {
            part.CopyTo(data, offset);
            offset += part.Length;
        }
        return data;
    }

    /// <summary>RFC 2409 Appendix B: the cipher key is SKEYID_e itself when it is long enough,
    /// else K1 | K2 | ... with K1 = prf(SKEYID_e, 0) and Kn = prf(SKEYID_e, Kn-1).</summary>
    public static byte[] CipherKey(ushort hashId, byte[] skeyIdE, int length)
    {
        if (skeyIdE.Length >= length) return skeyIdE[..length];
        var stream = new List<byte>();
        byte[] k = Prf(hashId, skeyIdE, [0]);
        while (true)
        {
            stream.AddRange(k);
            if (stream.Count >= length) return [.. stream.Take(length)];
            k = Prf(hashId, skeyIdE, k);
        }
    }

    public static byte[] Be32(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    public static byte[] Be64(ulong value)
    {
        var b = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b, value);
        return b;
    }
}
