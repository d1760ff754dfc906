using System.Buffers.Binary;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>
/// Byte ranges of payloads in a chain that the codec has already validated. RFC 2409 hashes
/// cover payload bodies exactly as sent (SAi_b, IDii_b) and Quick Mode hashes cover "the rest of
/// the message" after HASH up to the last payload (not the CBC padding); re-encoding a decoded
/// payload might not reproduce the peer's bytes (attribute forms, padding), so these are cut out.
/// </summary>
internal static class RawChain
{
    /// <summary>(offset, length) of each payload in the chain, header included.</summary>
    public static List<(PayloadType Type, int Offset, int Length)> Walk(PayloadType first, ReadOnlySpan<byte> chain)
    {
        var list = new List<(PayloadType, int, int)>();
        var type = first;
        int at = 0;
        while (type != PayloadType.None && at + 4 <= chain.Length)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(chain.Slice(at + 2, 2));
            if (length < 4 || at + length > chain.Length) break;
            list.Add((type, at, length));
            type = (PayloadType)chain[at];
            at += length;
        }
        return list;
    }

    /// <summary>The body (after the 4-byte generic header) of the first payload of a type.</summary>
    public static byte[]? Body(PayloadType first, ReadOnlySpan<byte> chain, PayloadType wanted)
    {
        foreach (var (type, offset, length) in Walk(first, chain))
            if (type == wanted) return chain.Slice(offset + 4, length - 4).ToArray();
        return null;
    }

    /// <summary>Everything after the first payload (the HASH) up to the end of the last payload.</summary>
    public static byte[] AfterFirst(PayloadType first, ReadOnlySpan<byte> chain)
    {
        var all = Walk(first, chain);
        if (all.Count == 0) return [];
        int start = all[0].Offset + all[0].Length;
        int end = all[^1].Offset + all[^1].Length;
        return chain[start..end].ToArray();
    }
}
