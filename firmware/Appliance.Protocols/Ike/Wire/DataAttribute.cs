using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// One ISAKMP data attribute (RFC 2408 §3.3), as found in Transforms and in mode-config Attribute
/// payloads:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !A!       Attribute Type        !    AF=0  Attribute Length     !
/// !F!                             !    AF=1  Attribute Value      !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                   AF=0  Attribute Value                       .
/// .                   AF=1  Not Transmitted                       .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// AF = 1 is the TV ("basic") form with a 2-octet value; AF = 0 is TLV ("variable") with a 2-octet
/// length and that many value octets. <see cref="Type"/> never includes the AF bit.
/// <para>
/// Encoding: TV when <see cref="LongValue"/> is null and <see cref="Value"/> fits 16 bits; TLV with
/// <see cref="LongValue"/>'s bytes when it is set; otherwise TLV with <see cref="Value"/> as 4
/// big-endian bytes (8 if it does not fit 32 bits). Decoding a TLV sets both
/// <see cref="LongValue"/> (the bytes as received) and <see cref="Value"/> (= <see cref="AsInteger"/>).
/// </para>
/// </summary>
public readonly record struct DataAttribute(ushort Type, ulong Value, byte[]? LongValue)
{
    /// <summary>The AF bit of the type field: set means TV form.</summary>
    public const ushort FormatBit = 0x8000;

    /// <summary>Octets of type + length/value.</summary>
    public const int HeaderSize = 4;

    /// <summary>A TV attribute (AF = 1).</summary>
    public static DataAttribute Basic(ushort type, ushort value)
    {
        CheckType(type);
        return new DataAttribute(type, value, null);
    }

    /// <summary>A TLV attribute (AF = 0) carrying exactly <paramref name="value"/>'s bytes.</summary>
    public static DataAttribute Variable(ushort type, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckType(type);
        return new DataAttribute(type, ToInteger(value), value);
    }

    /// <summary>True when this attribute encodes in TV form.</summary>
    public bool IsBasic => LongValue is null && Value <= ushort.MaxValue;

    /// <summary>
    /// The value as an unsigned integer: the TV value, or a TLV's bytes read big-endian (RFC 2409
    /// Appendix A lets variable attributes such as Life Duration travel in any length; ike-scan and
    /// Windows send 28800 s in 4 bytes). A TLV whose value needs more than 64 bits saturates to
    /// <see cref="ulong.MaxValue"/> so that a hostile lifetime cannot wrap to a small one; use
    /// <see cref="TryGetInteger"/> to tell.
    /// </summary>
    public ulong AsInteger => LongValue is null ? Value : ToInteger(LongValue);

    /// <summary>As <see cref="AsInteger"/>, but false when a TLV value needs more than 64 bits.</summary>
    public bool TryGetInteger(out ulong value)
    {
        if (LongValue is null)
        {
            value = Value;
            return true;
        }

        var significant = LongValue.AsSpan().TrimStart((byte)0);
        if (significant.Length > 8)
        {
            value = ulong.MaxValue;
            return false;
        }

        value = ToInteger(LongValue);
        return true;
    }

    /// <summary>Octets this attribute takes on the wire.</summary>
    public int EncodedLength => IsBasic ? HeaderSize : HeaderSize + LongValueLength();

    private int LongValueLength() => LongValue?.Length ?? (Value <= uint.MaxValue ? 4 : 8);

    internal void Write(ref WireWriter writer)
    {
        CheckType(Type);
        if (IsBasic)
        {
            writer.WriteUInt16((ushort)(Type | FormatBit));
            writer.WriteUInt16((ushort)Value);
            return;
        }

        int length = LongValueLength();
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException($"Attribute {Type} value of {length} bytes does not fit a 16-bit length.");
        }

        writer.WriteUInt16(Type);
        writer.WriteUInt16((ushort)length);
        if (LongValue is not null)
        {
            writer.WriteBytes(LongValue);
        }
        else if (length == 4)
        {
            writer.WriteUInt32((uint)Value);
        }
        else
        {
            writer.WriteUInt64(Value);
        }
    }

    /// <summary>Sum of <see cref="EncodedLength"/> over a list.</summary>
    internal static int ListLength(IReadOnlyList<DataAttribute> attributes)
    {
        int total = 0;
        foreach (var attribute in attributes)
        {
            total = checked(total + attribute.EncodedLength);
        }

        return total;
    }

    /// <summary>
    /// Decodes attributes that exactly fill <paramref name="data"/>. A header that does not fit, or
    /// a TLV value running past the container, is <see cref="DecodeError.BadAttribute"/>; more than
    /// <paramref name="maxCount"/> is <see cref="DecodeError.TooManyPayloads"/>. The list grows per
    /// attribute actually present (each costs at least 4 input bytes), never from a count field.
    /// </summary>
    internal static DecodeError TryDecodeList(ReadOnlySpan<byte> data, int maxCount, out List<DataAttribute> attributes)
    {
        attributes = [];
        int offset = 0;
        while (offset < data.Length)
        {
            if (attributes.Count >= maxCount)
            {
                return DecodeError.TooManyPayloads;
            }

            // 1..3 stray bytes at the end cannot hold an attribute header.
            if (data.Length - offset < HeaderSize)
            {
                return DecodeError.BadAttribute;
            }

            ushort typeField = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(offset, 2));
            ushort second = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(offset + 2, 2));
            ushort type = (ushort)(typeField & ~FormatBit);
            offset += HeaderSize;

            if ((typeField & FormatBit) != 0)
            {
                attributes.Add(new DataAttribute(type, second, null));
                continue;
            }

            // TLV: the length must be checked against what is left of the container before the
            // value is copied (RFC 2408 §3.3 gives no other bound).
            if (second > data.Length - offset)
            {
                return DecodeError.BadAttribute;
            }

            byte[] value = data.Slice(offset, second).ToArray();
            offset += second;
            attributes.Add(new DataAttribute(type, ToInteger(value), value));
        }

        return DecodeError.None;
    }

    private static ulong ToInteger(ReadOnlySpan<byte> bytes)
    {
        var significant = bytes.TrimStart((byte)0);
        if (significant.Length > 8)
        {
            return ulong.MaxValue;
        }

        ulong result = 0;
        foreach (byte b in significant)
        {
            result = (result << 8) | b;
        }

        return result;
    }

    private static void CheckType(ushort type)
    {
        if ((type & FormatBit) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Attribute type must not include the AF bit (0x8000).");
        }
    }
}
