using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Transform substructure of a Proposal (RFC 2408 §3.6): one offered set of algorithms, as data
/// attributes (RFC 2409 Appendix A for phase 1, RFC 2407 §4.5 for phase 2).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !  Transform #  !  Transform-Id !           RESERVED2           !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                        SA Attributes                          ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Next Payload is 3 (another Transform follows) or 0 (last); Payload Length covers the attributes.
/// </summary>
public sealed record Transform(byte Number, byte TransformId, IReadOnlyList<DataAttribute> Attributes)
{
    /// <summary>Octets before the attributes: generic header 4 + number 1 + id 1 + reserved 2.</summary>
    public const int FixedSize = 8;

    /// <summary>Most attributes accepted in one transform (Apple sends 6, ike-scan 7).</summary>
    public const int MaxAttributes = 64;

    /// <summary>The first attribute of <paramref name="type"/>, if any.</summary>
    public bool TryGetAttribute(ushort type, out DataAttribute attribute)
    {
        foreach (var candidate in Attributes)
        {
            if (candidate.Type == type)
            {
                attribute = candidate;
                return true;
            }
        }

        attribute = default;
        return false;
    }

    /// <summary>Octets on the wire, header included.</summary>
    internal int GetEncodedLength() => checked(FixedSize + DataAttribute.ListLength(Attributes));

    internal void Write(ref WireWriter writer, bool last)
    {
        int length = GetEncodedLength();
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException($"Transform {Number} is {length} bytes; the limit is 65535.");
        }

        writer.WriteByte(last ? (byte)PayloadType.None : (byte)PayloadType.Transform);
        writer.WriteByte(0);
        writer.WriteUInt16((ushort)length);
        writer.WriteByte(Number);
        writer.WriteByte(TransformId);
        writer.WriteUInt16(0);
        foreach (var attribute in Attributes)
        {
            attribute.Write(ref writer);
        }
    }

    /// <summary>
    /// Decodes the transform at the start of <paramref name="data"/> (the rest of the enclosing
    /// proposal) and reports its length and Next Payload so that the proposal can walk on.
    /// </summary>
    internal static DecodeError TryDecode(ReadOnlySpan<byte> data, out Transform? transform, out int length, out byte next)
    {
        transform = null;
        length = 0;
        next = 0;

        // The transform header must fit in what is left of the proposal.
        if (data.Length < FixedSize)
        {
            return DecodeError.BadTransform;
        }

        next = data[0];
        length = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(2, 2));

        // RFC 2408 §3.6: Next Payload is 3 or 0, nothing else.
        if (next != (byte)PayloadType.Transform && next != (byte)PayloadType.None)
        {
            return DecodeError.BadTransform;
        }

        // Inner length checked against the outer one before the attributes are read.
        if (length < FixedSize || length > data.Length)
        {
            return DecodeError.BadTransform;
        }

        var error = DataAttribute.TryDecodeList(data.Slice(FixedSize, length - FixedSize), MaxAttributes, out var attributes);
        if (error != DecodeError.None)
        {
            return error;
        }

        transform = new Transform(data[4], data[5], attributes);
        return DecodeError.None;
    }
}
