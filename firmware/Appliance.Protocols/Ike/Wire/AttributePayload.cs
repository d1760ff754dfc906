using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Mode-config Attribute payload (draft-dukes-ike-mode-cfg-02 §3.2), also carrying XAUTH
/// (draft-beaulieu-ike-xauth-02 §4). Attributes use the ISAKMP data attribute encoding.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !     Type      !   RESERVED    !           Identifier          !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                           Attributes                          ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// <see cref="MessageType"/> values are in <see cref="ModeConfig"/> (REQUEST 1, REPLY 2, SET 3, ACK 4).
/// A request's attributes are often TLVs of length 0 ("send me this").
/// </summary>
public sealed record AttributePayload(byte MessageType, ushort Identifier, IReadOnlyList<DataAttribute> Attributes) : Payload
{
    /// <summary>Body octets before the attributes: type 1 + reserved 1 + identifier 2.</summary>
    public const int MinBodyLength = 4;

    /// <summary>Most attributes accepted in one payload.</summary>
    public const int MaxAttributes = 64;

    public override PayloadType Type => PayloadType.Attribute;

    internal override int GetBodyLength() => checked(MinBodyLength + DataAttribute.ListLength(Attributes));

    internal override void WriteBody(ref WireWriter writer)
    {
        writer.WriteByte(MessageType);
        writer.WriteByte(0);
        writer.WriteUInt16(Identifier);
        foreach (var attribute in Attributes)
        {
            attribute.Write(ref writer);
        }
    }

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = null;
        if (body.Length < MinBodyLength)
        {
            return DecodeError.BadLength;
        }

        var error = DataAttribute.TryDecodeList(body.Slice(MinBodyLength), MaxAttributes, out var attributes);
        if (error != DecodeError.None)
        {
            return error;
        }

        payload = new AttributePayload(body[0], BinaryPrimitives.ReadUInt16BigEndian(body.Slice(2, 2)), attributes);
        return DecodeError.None;
    }
}
