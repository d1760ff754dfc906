using System.Buffers.Binary;

namespace Appliance.Protocols.Ppp;

/// <summary>
/// The Code/Identifier/Length header shared by LCP, NCPs, PAP and CHAP (RFC 1661 §5). Octets
/// after Length are padding and ignored; a Length below 4 or beyond the frame makes the packet invalid.
/// </summary>
internal readonly ref struct ControlPacket
{
    public const int HeaderLength = 4;

    private ControlPacket(byte code, byte identifier, ReadOnlySpan<byte> whole)
    {
        Code = code;
        Identifier = identifier;
        Whole = whole;
    }

    public byte Code { get; }
    public byte Identifier { get; }

    /// <summary>The packet as bounded by its Length field (header included).</summary>
    public ReadOnlySpan<byte> Whole { get; }

    /// <summary>The octets after the header.</summary>
    public ReadOnlySpan<byte> Data => Whole[HeaderLength..];

    public static bool TryParse(ReadOnlySpan<byte> information, out ControlPacket packet)
    {
        packet = default;
        if (information.Length < HeaderLength) return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(information[2..]);
        if (length < HeaderLength || length > information.Length) return false;
        packet = new ControlPacket(information[0], information[1], information[..length]);
        return true;
    }

    /// <summary>Header plus data, as the information field of a frame.</summary>
    public static byte[] Build(byte code, byte identifier, ReadOnlySpan<byte> data)
    {
        if (data.Length > ushort.MaxValue - HeaderLength) throw new ArgumentException("Control packet data too long.", nameof(data));
        var packet = new byte[HeaderLength + data.Length];
        packet[0] = code;
        packet[1] = identifier;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        data.CopyTo(packet.AsSpan(HeaderLength));
        return packet;
    }
}

/// <summary>Codes common to every control protocol using the RFC 1661 automaton.</summary>
internal static class ControlCode
{
    public const byte ConfigureRequest = 1;
    public const byte ConfigureAck = 2;
    public const byte ConfigureNak = 3;
    public const byte ConfigureReject = 4;
    public const byte TerminateRequest = 5;
    public const byte TerminateAck = 6;
    public const byte CodeReject = 7;
}

/// <summary>LCP's further codes (RFC 1661 §5.7-5.9, RFC 1570 §2).</summary>
internal static class LcpCode
{
    public const byte ProtocolReject = 8;
    public const byte EchoRequest = 9;
    public const byte EchoReply = 10;
    public const byte DiscardRequest = 11;
    public const byte Identification = 12;
    public const byte TimeRemaining = 13;
}
