namespace Appliance.Protocols.Ike.Sa;

/// <summary>
/// Bytes of received payloads, cut out by the extents the codec reports. RFC 2409 hashes cover
/// payload bodies exactly as sent (SAi_b, IDii_b), and Quick Mode and informational hashes cover
/// the message after HASH up to the last payload, not the CBC padding; re-encoding a decoded
/// payload might not reproduce the peer's bytes, so the received ones are used.
/// </summary>
internal static class ChainBytes
{
    /// <summary>A payload's body: its extent without the 4-byte generic header.</summary>
    public static byte[] Body(ReadOnlySpan<byte> chain, Range extent) => chain[extent][4..].ToArray();

    /// <summary>Everything after the first payload (the HASH) up to the end of the last payload.</summary>
    public static byte[] AfterFirst(ReadOnlySpan<byte> chain, List<Range> extents) =>
        extents.Count == 0 ? [] : chain[extents[0].End..extents[^1].End].ToArray();
}
