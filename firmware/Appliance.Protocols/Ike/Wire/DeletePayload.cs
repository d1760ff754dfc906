using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Delete payload (RFC 2408 §3.15): SAs the sender has removed. For ISAKMP the SPI is the 16-byte
/// cookie pair; for ESP/AH the 4-byte SPI.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !              Domain of Interpretation  (DOI)                  !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !  Protocol-Id  !   SPI Size    !           # of SPIs           !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~               Security Parameter Index(es) (SPI)              ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record DeletePayload(uint Doi, ProtocolId Protocol, byte SpiSize, IReadOnlyList<byte[]> Spis) : Payload
{
    /// <summary>Body octets before the SPIs: DOI 4 + protocol 1 + SPI size 1 + count 2.</summary>
    public const int MinBodyLength = 8;

    /// <summary>Most SPIs accepted in one Delete payload.</summary>
    public const int MaxSpis = 256;

    public override PayloadType Type => PayloadType.Delete;

    internal override int GetBodyLength() => checked(MinBodyLength + (SpiSize * Spis.Count));

    internal override void WriteBody(ref WireWriter writer)
    {
        if (Spis.Count > ushort.MaxValue)
        {
            throw new ArgumentException("More than 65535 SPIs in one Delete payload.");
        }

        writer.WriteUInt32(Doi);
        writer.WriteByte((byte)Protocol);
        writer.WriteByte(SpiSize);
        writer.WriteUInt16((ushort)Spis.Count);
        foreach (byte[] spi in Spis)
        {
            if (spi.Length != SpiSize)
            {
                throw new ArgumentException($"Delete payload SPI of {spi.Length} bytes where SpiSize is {SpiSize}.");
            }

            writer.WriteBytes(spi);
        }
    }

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = null;
        if (body.Length < MinBodyLength)
        {
            return DecodeError.BadLength;
        }

        int spiSize = body[5];
        int count = BinaryPrimitives.ReadUInt16BigEndian(body.Slice(6, 2));

        // The count is checked before it sizes anything: bounded, and with SPI size 0 a count
        // would make empty SPIs out of nothing.
        if (count > MaxSpis)
        {
            return DecodeError.TooManyPayloads;
        }

        if (spiSize == 0 && count > 0)
        {
            return DecodeError.BadSpiSize;
        }

        // RFC 2408 §3.15: the SPIs fill the rest exactly (count x size).
        var spiBytes = body.Slice(MinBodyLength);
        if (spiBytes.Length != spiSize * count)
        {
            return DecodeError.BadLength;
        }

        var spis = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            spis[i] = spiBytes.Slice(i * spiSize, spiSize).ToArray();
        }

        payload = new DeletePayload(BinaryPrimitives.ReadUInt32BigEndian(body.Slice(0, 4)), (ProtocolId)body[4], (byte)spiSize, spis);
        return DecodeError.None;
    }
}
