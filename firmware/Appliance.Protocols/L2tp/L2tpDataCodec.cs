using System.Buffers.Binary;

namespace Appliance.Protocols.L2tp;

/// <summary>
/// Data messages (T = 0) for the userspace datapath: read one whatever its L, S and O bits, write
/// one in the smallest form (no Length, no sequence numbers, no offset: 6 bytes of header). We
/// never send sequenced data; RFC 2661 §5.4 lets the LNS decide, and none of the clients asks.
/// </summary>
public static class L2tpDataCodec
{
    /// <summary>Flags, Tunnel ID, Session ID.</summary>
    public const int DataHeaderSize = 6;

    /// <summary>
    /// Finds the PPP frame in a data message. False for control messages, other versions, and any
    /// header that does not fit the datagram; an empty frame is also refused.
    /// </summary>
    public static bool TryParseData(ReadOnlySpan<byte> datagram, out ushort tunnelId, out ushort sessionId, out Range payload)
    {
        tunnelId = 0;
        sessionId = 0;
        payload = default;
        if (L2tpHeader.TryDecode(datagram, out var header) != L2tpHeaderError.None || header.IsControl) return false;
        if (header.PayloadOffset >= header.MessageLength) return false;
        tunnelId = header.TunnelId;
        sessionId = header.SessionId;
        payload = header.PayloadOffset..header.MessageLength;
        return true;
    }

    /// <summary>
    /// Writes a data message carrying <paramref name="pppFrame"/> to the peer's tunnel and session
    /// and returns its length; throws when <paramref name="destination"/> is too small.
    /// </summary>
    public static int EncodeData(ushort peerTunnelId, ushort peerSessionId, ReadOnlySpan<byte> pppFrame, Span<byte> destination)
    {
        int length = DataHeaderSize + pppFrame.Length;
        if (destination.Length < length)
            throw new ArgumentException($"Destination must hold {length} bytes.", nameof(destination));
        BinaryPrimitives.WriteUInt16BigEndian(destination, L2tpHeader.Version);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], peerTunnelId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], peerSessionId);
        pppFrame.CopyTo(destination[DataHeaderSize..]);
        return length;
    }

    public static byte[] EncodeData(ushort peerTunnelId, ushort peerSessionId, ReadOnlySpan<byte> pppFrame)
    {
        var message = new byte[DataHeaderSize + pppFrame.Length];
        EncodeData(peerTunnelId, peerSessionId, pppFrame, message);
        return message;
    }
}
