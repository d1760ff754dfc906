using System.Buffers.Binary;

namespace Appliance.Protocols.L2tp;

/// <summary>
/// One attribute-value pair (RFC 2661 §4.1). <see cref="Value"/> is the value as it stands in the
/// message, or the revealed value when the AVP was hidden and could be revealed.
/// </summary>
public readonly record struct L2tpAvp(bool Mandatory, bool Hidden, ushort VendorId, ushort Type, ReadOnlyMemory<byte> Value)
{
    public const ushort MandatoryBit = 0x8000;
    public const ushort HiddenBit = 0x4000;
    public const ushort LengthMask = 0x03ff;
    public const int HeaderSize = 6;
    public const int MaxLength = LengthMask;
    public const int MaxValueLength = MaxLength - HeaderSize;

    public bool IsIetf(L2tpAvpType type) => VendorId == 0 && Type == (ushort)type;
}

/// <summary>Why an AVP could not be read.</summary>
public enum L2tpAvpError
{
    None,
    /// <summary>Fewer than 6 bytes left where an AVP should start.</summary>
    Truncated,
    /// <summary>The AVP length is less than its 6-byte header.</summary>
    LengthTooShort,
    /// <summary>The AVP length runs past the end of the message.</summary>
    LengthBeyondMessage,
}

/// <summary>Reads AVPs one after another from a message body, bounds-checking every length.</summary>
public static class L2tpAvpReader
{
    /// <summary>
    /// Reads the AVP at <paramref name="position"/> in <paramref name="body"/> and moves past it.
    /// The four reserved bits are ignored, as future extensions would want.
    /// </summary>
    public static L2tpAvpError TryRead(ReadOnlyMemory<byte> body, ref int position, out L2tpAvp avp)
    {
        avp = default;
        var span = body.Span;
        if (position < 0 || span.Length - position < L2tpAvp.HeaderSize) return L2tpAvpError.Truncated;
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(span[position..]);
        int length = flags & L2tpAvp.LengthMask;
        if (length < L2tpAvp.HeaderSize) return L2tpAvpError.LengthTooShort;
        if (length > span.Length - position) return L2tpAvpError.LengthBeyondMessage;
        ushort vendor = BinaryPrimitives.ReadUInt16BigEndian(span[(position + 2)..]);
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(span[(position + 4)..]);
        avp = new L2tpAvp((flags & L2tpAvp.MandatoryBit) != 0, (flags & L2tpAvp.HiddenBit) != 0, vendor, type,
            body.Slice(position + L2tpAvp.HeaderSize, length - L2tpAvp.HeaderSize));
        position += length;
        return L2tpAvpError.None;
    }
}
