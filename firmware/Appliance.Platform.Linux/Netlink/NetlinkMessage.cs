using System.Buffers.Binary;

namespace Appliance.Platform.Linux.Netlink;

/// <summary><c>struct nlmsghdr</c>: 16 bytes, host byte order (little-endian on every target).</summary>
public readonly record struct NetlinkHeader(uint Length, ushort Type, ushort Flags, uint Sequence, uint PortId)
{
    public const int Size = 16;

    // Message types shared by every family (linux/netlink.h).
    public const ushort NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4;

    // Flags.
    public const ushort NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4;
    public const ushort NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;
    public const ushort NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;

    public static NetlinkHeader Read(ReadOnlySpan<byte> b) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(b),
        BinaryPrimitives.ReadUInt16LittleEndian(b[4..]),
        BinaryPrimitives.ReadUInt16LittleEndian(b[6..]),
        BinaryPrimitives.ReadUInt32LittleEndian(b[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(b[12..]));

    public void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b, Length);
        BinaryPrimitives.WriteUInt16LittleEndian(b[4..], Type);
        BinaryPrimitives.WriteUInt16LittleEndian(b[6..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(b[12..], PortId);
    }
}

/// <summary>One netlink message: its header and its payload (everything after the header, up to
/// <c>nlmsg_len</c>; the fixed family struct first, then attributes).</summary>
public readonly record struct NetlinkMessage(NetlinkHeader Header, ReadOnlyMemory<byte> Payload)
{
    /// <summary>4-byte alignment of netlink messages and attributes (NLMSG_ALIGN, NLA_ALIGN).</summary>
    public static int Align(int length) => (length + 3) & ~3;

    /// <summary>
    /// Splits a received datagram into messages. Stops (and says so through
    /// <paramref name="malformed"/>) at the first header whose length is below 16 or runs past the
    /// datagram: a kernel reply is input like any other, and nothing here throws on it.
    /// </summary>
    public static List<NetlinkMessage> Split(ReadOnlyMemory<byte> datagram, out bool malformed)
    {
        var messages = new List<NetlinkMessage>();
        malformed = false;
        int offset = 0;
        while (datagram.Length - offset >= NetlinkHeader.Size)
        {
            var header = NetlinkHeader.Read(datagram.Span[offset..]);
            if (header.Length < NetlinkHeader.Size || header.Length > (uint)(datagram.Length - offset))
            {
                malformed = true;
                return messages;
            }
            int length = (int)header.Length;
            messages.Add(new NetlinkMessage(header, datagram.Slice(offset + NetlinkHeader.Size, length - NetlinkHeader.Size)));
            offset += Align(length);
        }
        if (offset < datagram.Length)
            malformed = true; // trailing bytes too short for a header
        return messages;
    }

    public static List<NetlinkMessage> Split(ReadOnlyMemory<byte> datagram) => Split(datagram, out _);
}

/// <summary>One <c>struct nlattr</c>: type (without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits) and payload.</summary>
public readonly record struct NetlinkAttribute(ushort Type, ReadOnlyMemory<byte> Value)
{
    public const int HeaderSize = 4;
    private const ushort TypeMask = 0x3fff;

    /// <summary>The attributes in <paramref name="data"/>; stops at the first one whose length is
    /// below 4 or runs past the data (never throws).</summary>
    public static List<NetlinkAttribute> Parse(ReadOnlyMemory<byte> data)
    {
        var attributes = new List<NetlinkAttribute>();
        int offset = 0;
        while (data.Length - offset >= HeaderSize)
        {
            var span = data.Span[offset..];
            ushort length = BinaryPrimitives.ReadUInt16LittleEndian(span);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(span[2..]);
            if (length < HeaderSize || length > data.Length - offset)
                break;
            attributes.Add(new NetlinkAttribute((ushort)(type & TypeMask), data.Slice(offset + HeaderSize, length - HeaderSize)));
            offset += NetlinkMessage.Align(length);
        }
        return attributes;
    }
}

/// <summary>
/// An NLMSG_ERROR message: <c>struct nlmsgerr</c> (a negative errno, or 0 for an ACK, and the
/// header of the request it answers), with the extended ACK's text when the kernel sent one.
/// </summary>
public readonly record struct NetlinkError(int Errno, NetlinkHeader Request, string? KernelMessage)
{
    public const int Size = 4 + NetlinkHeader.Size;
    private const ushort NLMSGERR_ATTR_MSG = 1;

    public bool IsAck => Errno == 0;

    /// <summary>Reads an NLMSG_ERROR message; false when it is not one or is too short.</summary>
    public static bool TryParse(NetlinkMessage message, out NetlinkError error)
    {
        error = default;
        var payload = message.Payload;
        if (message.Header.Type != NetlinkHeader.NLMSG_ERROR || payload.Length < Size)
            return false;
        int code = BinaryPrimitives.ReadInt32LittleEndian(payload.Span);
        var request = NetlinkHeader.Read(payload.Span[4..]);
        string? text = null;
        if ((message.Header.Flags & NetlinkHeader.NLM_F_ACK_TLVS) != 0)
        {
            // The TLVs follow the echoed request: its header only when capped, else all of it.
            long tlvStart = (message.Header.Flags & NetlinkHeader.NLM_F_CAPPED) != 0 || code == 0
                ? Size
                : 4 + (long)NetlinkMessage.Align((int)Math.Min(request.Length, int.MaxValue - 3));
            if (tlvStart <= payload.Length)
            {
                foreach (var attribute in NetlinkAttribute.Parse(payload[(int)tlvStart..]))
                {
                    if (attribute.Type == NLMSGERR_ATTR_MSG)
                        text = ReadCString(attribute.Value.Span);
                }
            }
        }
        // The kernel sends -errno; take the magnitude, so a (wrong) positive code is still an error.
        error = new NetlinkError(code == int.MinValue ? int.MaxValue : Math.Abs(code), request, text);
        return true;
    }

    /// <summary>A NUL-terminated (or unterminated) ASCII string, printable characters only.</summary>
    internal static string ReadCString(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        if (end >= 0)
            bytes = bytes[..end];
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
            chars[i] = bytes[i] is >= 0x20 and < 0x7f ? (char)bytes[i] : '?';
        return new string(chars);
    }
}

/// <summary>Builds one request: header, the family's fixed struct, then attributes, each padded
/// to 4 bytes with zeros.</summary>
public sealed class NetlinkMessageBuilder
{
    private byte[] _buffer;
    private int _length;

    public NetlinkMessageBuilder(ushort type, ushort flags, uint sequence, int fixedLength)
    {
        _buffer = new byte[Math.Max(256, NetlinkHeader.Size + NetlinkMessage.Align(fixedLength) + 128)];
        new NetlinkHeader(0, type, flags, sequence, 0).Write(_buffer);
        _length = NetlinkHeader.Size + NetlinkMessage.Align(fixedLength);
        FixedLength = fixedLength;
    }

    public int FixedLength { get; }

    /// <summary>The family's fixed struct, zero-filled, right after the header.</summary>
    public Span<byte> Fixed => _buffer.AsSpan(NetlinkHeader.Size, FixedLength);

    /// <summary>Appends an attribute with <paramref name="length"/> zero bytes of payload and
    /// returns that payload to fill in.</summary>
    public Span<byte> AddAttribute(ushort type, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int total = NetlinkAttribute.HeaderSize + length;
        if (total > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(length), "a netlink attribute holds at most 65531 bytes");
        int needed = _length + NetlinkMessage.Align(total);
        if (needed > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(_length), (ushort)total);
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(_length + 2), type);
        var payload = _buffer.AsSpan(_length + NetlinkAttribute.HeaderSize, length);
        _length = needed;
        return payload;
    }

    /// <summary>The finished message, with <c>nlmsg_len</c> filled in.</summary>
    public byte[] ToArray()
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)_length);
        return _buffer.AsSpan(0, _length).ToArray();
    }
}
