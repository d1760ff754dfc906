using System.Buffers.Binary;

namespace Appliance.Protocols.Ppp;

/// <summary>
/// The PPP frame as L2TP carries it (RFC 2661 §5.4: HDLC address and control, no flags or FCS) or as
/// a /dev/ppp channel hands it over (without address and control). On input both forms are
/// accepted, with the protocol field compressed to one byte (PFC) or not; on output we always write
/// FF 03 and a two-byte protocol, which RFC 1661 permits whatever ACFC/PFC were agreed.
/// </summary>
public static class PppFraming
{
    /// <summary>Bytes before the information field in a frame we build: FF 03 and the protocol.</summary>
    public const int HeaderLength = 4;

    private const byte AllStations = 0xFF;
    private const byte UnnumberedInformation = 0x03;

    /// <summary>
    /// Splits a frame into protocol and information field. False for an empty frame, a protocol
    /// field cut short, or one that breaks RFC 1661 §2's rule (low byte odd, high byte even).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> frame, out ushort protocol, out Range information)
    {
        protocol = 0;
        information = default;
        int i = frame.Length >= 2 && frame[0] == AllStations && frame[1] == UnnumberedInformation ? 2 : 0;
        if (i >= frame.Length) return false;
        byte first = frame[i];
        if ((first & 1) == 1)
        {
            // PFC: a single odd byte stands for 0x00nn.
            protocol = first;
            i += 1;
        }
        else
        {
            if (i + 1 >= frame.Length || (frame[i + 1] & 1) == 0) return false;
            protocol = (ushort)((first << 8) | frame[i + 1]);
            i += 2;
        }
        information = i..frame.Length;
        return true;
    }

    /// <summary>The IPv4 packet inside a frame of protocol 0x0021, for a datapath that bypasses the session.</summary>
    public static bool TryGetIpPacket(ReadOnlySpan<byte> frame, out Range packet)
    {
        packet = default;
        if (!TryDecode(frame, out ushort protocol, out Range information) || protocol != PppProtocol.Ip) return false;
        if (information.GetOffsetAndLength(frame.Length).Length == 0) return false;
        packet = information;
        return true;
    }

    /// <summary>A frame carrying one IPv4 packet.</summary>
    public static byte[] EncodeIp(ReadOnlySpan<byte> packet) => Encode(PppProtocol.Ip, packet);

    /// <summary>Writes a frame carrying one IPv4 packet into <paramref name="destination"/>; returns its length.</summary>
    public static int EncodeIp(ReadOnlySpan<byte> packet, Span<byte> destination)
    {
        if (destination.Length < HeaderLength + packet.Length)
            throw new ArgumentException("Destination is too small for the frame.", nameof(destination));
        WriteHeader(PppProtocol.Ip, destination);
        packet.CopyTo(destination[HeaderLength..]);
        return HeaderLength + packet.Length;
    }

    /// <summary>A frame of any protocol: FF 03, the two-byte protocol, the information field.</summary>
    public static byte[] Encode(ushort protocol, ReadOnlySpan<byte> information)
    {
        var frame = new byte[HeaderLength + information.Length];
        WriteHeader(protocol, frame);
        information.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }

    private static void WriteHeader(ushort protocol, Span<byte> destination)
    {
        destination[0] = AllStations;
        destination[1] = UnnumberedInformation;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], protocol);
    }
}
