using System.Net.Sockets;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Ike.Fragments;

/// <summary>
/// Splits one ISAKMP message into IKEv1 fragments (the Cisco/Microsoft FRAGMENTATION extension;
/// <see cref="FragmentPayload"/>): the whole message, header included, cut into pieces, each the
/// only payload of a carrier message with the same cookies, exchange type and message ID, Next
/// Payload 132 and no flags (the carrier itself is never encrypted; the message inside is).
/// Numbers count from 1 and the last piece carries the LAST flag.
/// </summary>
public static class IkeFragmenter
{
    /// <summary>
    /// Default largest IP datagram we send: 1280 bytes, the IPv6 minimum MTU, which paths of
    /// home and mobile networks carry without IP fragmentation (strongSwan's default fragment size
    /// and what macOS/iOS use). 576 (the IPv4 reassembly minimum, which Windows IKEv2 approaches
    /// with 580) would survive even rarer paths, but needs twice the datagrams for Main Mode 6 with
    /// a certificate; any size avoids the real problem, IP fragments that NATs and firewalls drop.
    /// </summary>
    public const int DefaultMaxDatagram = 1280;
    public const int MinMaxDatagram = 576;

    private const int Ipv4Header = 20, Ipv6Header = 40, UdpHeader = 8, NonEspMarker = 4;
    private const int CarrierOverhead = IsakmpHeader.Size + Payload.HeaderSize + FragmentPayload.MinBodyLength;

    /// <summary>The largest ISAKMP message that fits <paramref name="maxDatagram"/> on this path.</summary>
    public static int MaxMessage(int maxDatagram, AddressFamily family, bool natTraversalPort) =>
        maxDatagram - (family == AddressFamily.InterNetworkV6 ? Ipv6Header : Ipv4Header) - UdpHeader - (natTraversalPort ? NonEspMarker : 0);

    /// <summary>The carrier datagrams for <paramref name="message"/>, each at most
    /// <paramref name="maxMessage"/> bytes. Throws when more than 255 pieces would be needed (a
    /// caller bug: our messages are a few KB).</summary>
    public static List<byte[]> Split(ReadOnlySpan<byte> message, ushort fragmentId, int maxMessage)
    {
        if (IsakmpHeader.TryDecode(message, out var header) != DecodeError.None)
            throw new ArgumentException("not an ISAKMP message", nameof(message));
        int piece = maxMessage - CarrierOverhead;
        if (piece <= 0) throw new ArgumentOutOfRangeException(nameof(maxMessage));
        int count = (message.Length + piece - 1) / piece;
        if (count > byte.MaxValue) throw new ArgumentException("message needs more than 255 fragments", nameof(message));
        var carrier = new IsakmpHeader(header.InitiatorCookie, header.ResponderCookie, PayloadType.Fragment,
            IsakmpHeader.CurrentVersion, header.Exchange, IsakmpFlags.None, header.MessageId, 0);
        var result = new List<byte[]>(count);
        for (int i = 0; i < count; i++)
        {
            var data = message.Slice(i * piece, Math.Min(piece, message.Length - i * piece)).ToArray();
            byte flags = i == count - 1 ? FragmentPayload.LastFragmentFlag : (byte)0;
            result.Add(IkeMessage.Encode(carrier, [new FragmentPayload(fragmentId, (byte)(i + 1), flags, data)]));
        }
        return result;
    }
}
