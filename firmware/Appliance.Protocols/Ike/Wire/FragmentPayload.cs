using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// IKEv1 fragment payload (type 132), the Cisco scheme that strongSwan, racoon (macOS/iOS, Android)
/// and Windows (which announce it with the FRAGMENTATION vendor ID) implement; there is no RFC.
/// Layout as in strongSwan's <c>fragment_payload.c</c>:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !    RESERVED   !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !          Fragment ID          !  Fragment Num !     Flags     !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                         Fragment Data                         ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// A fragment travels as the only payload of an ISAKMP message whose header says Next Payload 132;
/// the reassembled data is a whole ISAKMP message (header included). Numbers start at 1; flag 1
/// marks the last fragment.
/// </summary>
public sealed record FragmentPayload(ushort FragmentId, byte Number, byte Flags, byte[] Data) : Payload
{
    /// <summary>Body octets before the data: ID 2 + number 1 + flags 1.</summary>
    public const int MinBodyLength = 4;

    /// <summary>The Flags bit that marks the last fragment.</summary>
    public const byte LastFragmentFlag = 1;

    /// <summary>True when <see cref="Flags"/> marks the last fragment.</summary>
    public bool IsLast => (Flags & LastFragmentFlag) != 0;

    public override PayloadType Type => PayloadType.Fragment;

    internal override int GetBodyLength() => checked(MinBodyLength + Data.Length);

    internal override void WriteBody(ref WireWriter writer)
    {
        writer.WriteUInt16(FragmentId);
        writer.WriteByte(Number);
        writer.WriteByte(Flags);
        writer.WriteBytes(Data);
    }

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = null;
        if (body.Length < MinBodyLength)
        {
            return DecodeError.BadLength;
        }

        // Fragment numbers start at 1 (strongSwan rejects 0 too); 0 would also confuse reassembly
        // indexed by number.
        byte number = body[2];
        if (number == 0)
        {
            return DecodeError.BadFragment;
        }

        payload = new FragmentPayload(BinaryPrimitives.ReadUInt16BigEndian(body.Slice(0, 2)), number, body[3], body.Slice(MinBodyLength).ToArray());
        return DecodeError.None;
    }
}
