using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Identification payload with the IPsec DOI layout (RFC 2407 §4.6.2; RFC 2408 §3.8 leaves the
/// DOI-specific octets to it):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !  Next Payload !   RESERVED    !        Payload Length         !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !   ID Type     !  Protocol ID  !             Port              !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                     Identification Data                       ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// <see cref="ProtocolId"/> is an IP protocol number (17 = UDP), not the IPsec
/// <see cref="Wire.ProtocolId"/>. Quick Mode IDs of L2TP clients: Windows 17/1701 on both sides;
/// macOS its ephemeral source port; Android 17/0 (see clients.md).
/// Address-typed data must have its type's exact size (<see cref="IdType.GetFixedDataLength"/>),
/// else <see cref="DecodeError.BadIdentification"/>.
/// </summary>
public sealed record IdentificationPayload(byte IdType, byte ProtocolId, ushort Port, byte[] Data) : Payload
{
    /// <summary>Body octets before the data: ID type, protocol, port.</summary>
    public const int MinBodyLength = 4;

    public override PayloadType Type => PayloadType.Identification;

    internal override int GetBodyLength() => checked(MinBodyLength + Data.Length);

    internal override void WriteBody(ref WireWriter writer)
    {
        writer.WriteByte(IdType);
        writer.WriteByte(ProtocolId);
        writer.WriteUInt16(Port);
        writer.WriteBytes(Data);
    }

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = null;
        if (body.Length < MinBodyLength)
        {
            return DecodeError.BadLength;
        }

        byte idType = body[0];
        var data = body.Slice(MinBodyLength);
        int fixedLength = Wire.IdType.GetFixedDataLength(idType);
        if (fixedLength >= 0 && data.Length != fixedLength)
        {
            return DecodeError.BadIdentification;
        }

        payload = new IdentificationPayload(idType, body[1], BinaryPrimitives.ReadUInt16BigEndian(body.Slice(2, 2)), data.ToArray());
        return DecodeError.None;
    }
}
