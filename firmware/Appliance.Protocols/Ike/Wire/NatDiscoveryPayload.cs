namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// NAT-D payload (RFC 3947 §3.2): HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash.
/// Payload type 20, or 130 when the peer negotiated one of the pre-RFC drafts (draft-02/03),
/// which is what <see cref="Draft"/> records.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |    RESERVED   |        Payload length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                 HASH of the address and port                  ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record NatDiscoveryPayload(byte[] Hash, bool Draft) : Payload
{
    /// <summary>The longest hash in use (SHA2-512); longer is <see cref="DecodeError.PayloadTooLong"/>.</summary>
    public const int MaxHashLength = 64;

    public override PayloadType Type => Draft ? PayloadType.NatDiscoveryDraft : PayloadType.NatDiscovery;

    internal override int GetBodyLength() => Hash.Length;

    internal override void WriteBody(ref WireWriter writer) => writer.WriteBytes(Hash);

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, bool draft, out Payload? payload)
    {
        payload = null;
        if (body.Length > MaxHashLength)
        {
            return DecodeError.PayloadTooLong;
        }

        payload = new NatDiscoveryPayload(body.ToArray(), draft);
        return DecodeError.None;
    }
}
