using System.Net.Sockets;

namespace Appliance.Platform.Linux.Netlink;

/// <summary>
/// Turns a bound UDP socket (port 4500) into the kernel's ESP-in-UDP decapsulator: with
/// UDP_ENCAP_ESPINUDP set, datagrams that do not start with the non-ESP marker (four zero bytes)
/// go to XFRM as ESP (RFC 3948), and the socket only sees IKE and keepalives. Without such a
/// socket, ESP-in-UDP arriving on 4500 is not decapsulated. Outbound encapsulation needs no socket.
/// </summary>
public static class UdpEncapSocket
{
    public const int SOL_UDP = 17;
    public const int UDP_ENCAP = 100;

    public static void Enable(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.ProtocolType != ProtocolType.Udp)
            throw new ArgumentException("UDP encapsulation needs a UDP socket", nameof(socket));
        Span<byte> value = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(value, Xfrm.UDP_ENCAP_ESPINUDP);
        socket.SetRawSocketOption(SOL_UDP, UDP_ENCAP, value);
    }
}
