using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Platform.Linux.L2tp;

/// <summary>
/// The UDP sockets of the kernel L2TP datapath: one unconnected listener on port 1701, and one
/// connected socket per tunnel, all bound to the same port.
/// </summary>
/// <remarks>
/// <para>Why one socket per tunnel: the kernel ties a tunnel to its socket (the socket's
/// user data points at the tunnel, so a second tunnel on the same socket gets EBUSY), and it
/// transmits a session's data only on a connected socket (the peer's address comes from the
/// socket). A single unconnected 1701 socket therefore cannot carry several L2TPv2 peers.</para>
/// <para>How the two kinds share port 1701: every socket sets SO_REUSEADDR and SO_REUSEPORT.
/// For a datagram, the kernel's UDP lookup scores sockets by how exactly they match; a socket
/// connected to the sender's address and port beats an unconnected one (and a reuseport group
/// that has connected members is not load-balanced), so a tunnel's peer reaches only its tunnel
/// socket, and a new peer (its SCCRQ) reaches the listener.</para>
/// <para>How control messages still reach the daemon: on a tunnel socket, the kernel's L2TP
/// receive hook keeps data packets of sessions it knows and passes everything else, every
/// control message (T bit) and data for unknown sessions, up to the socket as an ordinary
/// datagram. The daemon reads control messages from each tunnel socket (and new tunnels from the
/// listener) and writes its control replies on the tunnel socket.</para>
/// </remarks>
public static class L2tpUdpSockets
{
    public const ushort Port = 1701;

    /// <summary>The daemon's listener: bound to <paramref name="local"/> (port 1701; 0.0.0.0 for
    /// every address), unconnected, sharing the port with the tunnel sockets.</summary>
    public static Socket OpenListener(IPEndPoint local)
    {
        ArgumentNullException.ThrowIfNull(local);
        var socket = NewShared(local);
        try
        {
            socket.Bind(local);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A tunnel's socket: bound to <paramref name="local"/> (the address the peer sent
    /// to, port 1701) and connected to <paramref name="peer"/> (its address and port as seen, NAT
    /// included). Hand it to <see cref="L2tpNetlink.CreateTunnel(ushort, ushort, Socket)"/>.</summary>
    public static Socket OpenForTunnel(IPEndPoint local, IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(peer);
        if (peer.AddressFamily != local.AddressFamily)
            throw new ArgumentException("the local and peer addresses are of different families", nameof(peer));
        var socket = NewShared(local);
        try
        {
            socket.Bind(local);
            socket.Connect(peer);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static Socket NewShared(IPEndPoint local)
    {
        if (local.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"only IPv4 is supported ({local})", nameof(local));
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Linux lets a second UDP socket bind a port in use when both set SO_REUSEADDR, or
            // both set SO_REUSEPORT (same user): setting both works with either kind of neighbour.
            // SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_REUSEPORT = 15 on x86_64 and arm64 alike.
            Span<byte> one = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(one, 1);
            socket.SetRawSocketOption(Interop.Libc.SOL_SOCKET, Interop.Libc.SO_REUSEADDR, one);
            socket.SetRawSocketOption(Interop.Libc.SOL_SOCKET, Interop.Libc.SO_REUSEPORT, one);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
