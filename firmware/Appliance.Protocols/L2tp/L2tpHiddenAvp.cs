using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Appliance.Protocols.L2tp;

/// <summary>
/// Reveals a hidden AVP value (RFC 2661 §4.3). The hidden field is the subformat
/// (original length, 2 bytes; original value; padding) XORed, 16 bytes at a time, with
/// b1 = MD5(attribute type, 2 bytes || secret || random vector) and then
/// b(i) = MD5(secret || c(i-1)), where c(i-1) is the previous 16 bytes as they stand on the wire.
/// The last segment may be shorter than 16 bytes.
/// </summary>
public static class L2tpHiddenAvp
{
    private const int Segment = 16;

    /// <summary>
    /// False when the field is too short to hold the original length, or when that length runs
    /// past the field (a wrong secret usually shows up this way).
    /// </summary>
    public static bool TryReveal(ushort attributeType, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> randomVector,
        ReadOnlySpan<byte> hidden, out byte[] value)
    {
        value = [];
        if (hidden.Length < 2 || hidden.Length > L2tpAvp.MaxValueLength) return false;

        Span<byte> plain = stackalloc byte[hidden.Length];
        Span<byte> digest = stackalloc byte[Segment];
        Span<byte> typeBytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(typeBytes, attributeType);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        for (int start = 0; start < hidden.Length; start += Segment)
        {
            if (start == 0)
            {
                md5.AppendData(typeBytes);
                md5.AppendData(secret);
                md5.AppendData(randomVector);
            }
            else
            {
                md5.AppendData(secret);
                md5.AppendData(hidden.Slice(start - Segment, Segment));
            }
            md5.GetHashAndReset(digest);
            int count = Math.Min(Segment, hidden.Length - start);
            for (int i = 0; i < count; i++) plain[start + i] = (byte)(hidden[start + i] ^ digest[i]);
        }
        CryptographicOperations.ZeroMemory(digest);

        int originalLength = BinaryPrimitives.ReadUInt16BigEndian(plain);
        bool ok = originalLength <= hidden.Length - 2;
        if (ok) value = plain.Slice(2, originalLength).ToArray();
        CryptographicOperations.ZeroMemory(plain);
        return ok;
    }
}
