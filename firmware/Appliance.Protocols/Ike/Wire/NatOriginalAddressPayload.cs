namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// NAT-OA payload (RFC 3947 §5.2): the original address the sender saw, sent in Quick Mode for
/// transport mode. Type 21, or 131 under the drafts (<see cref="Draft"/>), same layout.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |    RESERVED   |        Payload length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    ID Type    |   RESERVED    |            RESERVED           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           IPv4 (4 octets) or IPv6 address (16 octets)         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// RFC 3947 §5.2 allows only ID_IPV4_ADDR and ID_IPV6_ADDR; anything else, or an address of the
/// wrong size, is <see cref="DecodeError.BadIdentification"/>. Windows sends two of these in
/// Quick Mode (NAT-OAi and NAT-OAr): they are simply two payloads in the chain.
/// </summary>
public sealed record NatOriginalAddressPayload(byte IdType, byte[] Address, bool Draft) : Payload
{
    /// <summary>Body octets before the address: ID type 1 + reserved 3.</summary>
    public const int MinBodyLength = 4;

    public override PayloadType Type => Draft ? PayloadType.NatOriginalAddressDraft : PayloadType.NatOriginalAddress;

    internal override int GetBodyLength() => checked(MinBodyLength + Address.Length);

    internal override void WriteBody(ref WireWriter writer)
    {
        writer.WriteByte(IdType);
        writer.WriteByte(0);
        writer.WriteUInt16(0);
        writer.WriteBytes(Address);
    }

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, bool draft, out Payload? payload)
    {
        payload = null;
        if (body.Length < MinBodyLength)
        {
            return DecodeError.BadLength;
        }

        byte idType = body[0];
        var address = body.Slice(MinBodyLength);
        bool sizeMatches = idType switch
        {
            Wire.IdType.Ipv4Address => address.Length == 4,
            Wire.IdType.Ipv6Address => address.Length == 16,
            _ => false,
        };
        if (!sizeMatches)
        {
            return DecodeError.BadIdentification;
        }

        payload = new NatOriginalAddressPayload(idType, address.ToArray(), draft);
        return DecodeError.None;
    }
}
