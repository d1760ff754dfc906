using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Notification payload (RFC 2408 §3.14); message types in <see cref="NotifyType"/>.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !              Domain of Interpretation  (DOI)                  !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !  Protocol-ID  !   SPI Size    !      Notify Message Type      !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                Security Parameter Index (SPI)                 ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                       Notification Data                       ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// SPI size is the length of <see cref="Spi"/>. Its value is not judged against the protocol: DPD
/// (RFC 3706 §5.3) and INITIAL-CONTACT put the 16-byte cookie pair under protocol ISAKMP, and
/// some peers send protocol 0 with no SPI.
/// </summary>
public sealed record NotificationPayload(uint Doi, ProtocolId Protocol, ushort MessageType, byte[] Spi, byte[] Data) : Payload
{
    /// <summary>Body octets before the SPI: DOI 4 + protocol 1 + SPI size 1 + type 2.</summary>
    public const int MinBodyLength = 8;

    public override PayloadType Type => PayloadType.Notification;

    internal override int GetBodyLength() => checked(MinBodyLength + Spi.Length + Data.Length);

    internal override void WriteBody(ref WireWriter writer)
    {
        if (Spi.Length > byte.MaxValue)
        {
            throw new ArgumentException("Notification SPI longer than 255 bytes.");
        }

        writer.WriteUInt32(Doi);
        writer.WriteByte((byte)Protocol);
        writer.WriteByte((byte)Spi.Length);
        writer.WriteUInt16(MessageType);
        writer.WriteBytes(Spi);
        writer.WriteBytes(Data);
    }

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = null;
        if (body.Length < MinBodyLength)
        {
            return DecodeError.BadLength;
        }

        int spiSize = body[5];

        // Minimum body is 8 + SPI size: the SPI must fit before it is copied.
        if (body.Length < MinBodyLength + spiSize)
        {
            return DecodeError.BadLength;
        }

        payload = new NotificationPayload(
            Doi: BinaryPrimitives.ReadUInt32BigEndian(body.Slice(0, 4)),
            Protocol: (ProtocolId)body[4],
            MessageType: BinaryPrimitives.ReadUInt16BigEndian(body.Slice(6, 2)),
            Spi: body.Slice(MinBodyLength, spiSize).ToArray(),
            Data: body.Slice(MinBodyLength + spiSize).ToArray());
        return DecodeError.None;
    }
}
