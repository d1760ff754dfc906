using System.Buffers.Binary;

namespace Appliance.Protocols.L2tp;

/// <summary>Why a datagram's L2TP header was refused.</summary>
public enum L2tpHeaderError
{
    None,
    Truncated,
    /// <summary>Version 1 is L2F (RFC 2341), sharing UDP 1701 with L2TP.</summary>
    L2fVersion,
    /// <summary>Version 3 is L2TPv3 (RFC 3931).</summary>
    L2tpv3Version,
    UnknownVersion,
    /// <summary>The Length field is shorter than the header or longer than the datagram.</summary>
    BadLength,
    /// <summary>Control messages must carry Length and Ns/Nr (RFC 2661 §3.1).</summary>
    ControlWithoutLengthOrSequence,
    /// <summary>The Offset Size points past the end of the message.</summary>
    OffsetBeyondEnd,
}

/// <summary>
/// The L2TPv2 header (RFC 2661 §3.1): flags T, L, S, O, P and version 2, then the optional Length,
/// Tunnel ID, Session ID, optional Ns/Nr and optional Offset Size + pad.
/// </summary>
/// <param name="PayloadOffset">Where the AVPs (control) or the PPP frame (data) start.</param>
/// <param name="MessageLength">The end of the message: Length when present, else the datagram's end.</param>
public readonly record struct L2tpHeader(
    bool IsControl,
    bool HasLength,
    bool HasSequence,
    bool HasOffset,
    bool Priority,
    ushort TunnelId,
    ushort SessionId,
    ushort Ns,
    ushort Nr,
    int PayloadOffset,
    int MessageLength)
{
    public const ushort TypeBit = 0x8000;
    public const ushort LengthBit = 0x4000;
    public const ushort SequenceBit = 0x0800;
    public const ushort OffsetBit = 0x0200;
    public const ushort PriorityBit = 0x0100;
    public const ushort VersionMask = 0x000f;
    public const int Version = 2;

    /// <summary>A control header: flags, Length, Tunnel ID, Session ID, Ns, Nr.</summary>
    public const int ControlHeaderSize = 12;

    /// <summary>Offsets of Ns and Nr in a control header (they get patched at (re)transmission).</summary>
    public const int NsOffset = 8;
    public const int NrOffset = 10;

    /// <summary>A control message with no AVPs: a Zero-Length Body acknowledgement (RFC 2661 §5.8).</summary>
    public bool IsZeroLengthBody => IsControl && PayloadOffset == MessageLength;

    /// <summary>Decodes the header; every field is bounds-checked against the datagram.</summary>
    public static L2tpHeaderError TryDecode(ReadOnlySpan<byte> datagram, out L2tpHeader header)
    {
        header = default;
        if (datagram.Length < 2) return L2tpHeaderError.Truncated;
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(datagram);
        switch (flags & VersionMask)
        {
            case Version: break;
            case 1: return L2tpHeaderError.L2fVersion;
            case 3: return L2tpHeaderError.L2tpv3Version;
            default: return L2tpHeaderError.UnknownVersion;
        }

        bool control = (flags & TypeBit) != 0;
        bool hasLength = (flags & LengthBit) != 0;
        bool hasSequence = (flags & SequenceBit) != 0;
        bool hasOffset = (flags & OffsetBit) != 0;
        if (control && !(hasLength && hasSequence)) return L2tpHeaderError.ControlWithoutLengthOrSequence;

        int position = 2;
        int end = datagram.Length;
        if (hasLength)
        {
            if (datagram.Length < position + 2) return L2tpHeaderError.Truncated;
            end = BinaryPrimitives.ReadUInt16BigEndian(datagram[position..]);
            position += 2;
            // Trailing bytes after Length are tolerated (padding by some stacks); a Length
            // beyond the datagram is not.
            if (end > datagram.Length) return L2tpHeaderError.BadLength;
        }

        int fixedEnd = position + 4 + (hasSequence ? 4 : 0) + (hasOffset ? 2 : 0);
        if (datagram.Length < fixedEnd) return L2tpHeaderError.Truncated;
        if (end < fixedEnd) return L2tpHeaderError.BadLength;

        ushort tunnelId = BinaryPrimitives.ReadUInt16BigEndian(datagram[position..]);
        ushort sessionId = BinaryPrimitives.ReadUInt16BigEndian(datagram[(position + 2)..]);
        position += 4;
        ushort ns = 0, nr = 0;
        if (hasSequence)
        {
            ns = BinaryPrimitives.ReadUInt16BigEndian(datagram[position..]);
            nr = BinaryPrimitives.ReadUInt16BigEndian(datagram[(position + 2)..]);
            position += 4;
        }

        if (hasOffset)
        {
            int offsetSize = BinaryPrimitives.ReadUInt16BigEndian(datagram[position..]);
            position += 2;
            if (offsetSize > end - position) return L2tpHeaderError.OffsetBeyondEnd;
            position += offsetSize;
        }

        header = new L2tpHeader(control, hasLength, hasSequence, hasOffset, (flags & PriorityBit) != 0,
            tunnelId, sessionId, ns, nr, position, end);
        return L2tpHeaderError.None;
    }

    /// <summary>Writes a control header (T, L, S set; version 2) into the first 12 bytes.</summary>
    public static void WriteControl(Span<byte> destination, ushort length, ushort tunnelId, ushort sessionId, ushort ns, ushort nr)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, TypeBit | LengthBit | SequenceBit | Version);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], length);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], tunnelId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], sessionId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[NsOffset..], ns);
        BinaryPrimitives.WriteUInt16BigEndian(destination[NrOffset..], nr);
    }

    /// <summary>Short text for the drop counters.</summary>
    public static string Describe(L2tpHeaderError error) => error switch
    {
        L2tpHeaderError.Truncated => "truncated header",
        L2tpHeaderError.L2fVersion => "L2F (version 1)",
        L2tpHeaderError.L2tpv3Version => "L2TPv3 (version 3)",
        L2tpHeaderError.UnknownVersion => "unknown version",
        L2tpHeaderError.BadLength => "bad length field",
        L2tpHeaderError.ControlWithoutLengthOrSequence => "control message without L or S bit",
        L2tpHeaderError.OffsetBeyondEnd => "offset beyond the message",
        _ => "none",
    };
}
