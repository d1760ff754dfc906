using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static Appliance.Platform.Linux.Interop.Libc;

namespace Appliance.Platform.Linux.Ppp;

/// <summary>
/// A PPPoL2TP socket (AF_PPPOX, PX_PROTO_OL2TP): binds one L2TPv2 session of a kernel tunnel to a
/// ppp channel. Connecting it either creates the session (when the tunnel has none with that id)
/// or attaches to one created through netlink (<see cref="L2tp.L2tpNetlink.CreateSession"/>); both
/// work on Debian's 6.1 kernel (the lab proves each). Closing it deletes the session, whichever
/// way it was created.
/// </summary>
public sealed unsafe class PppoL2tpSocket : IDisposable
{
    /// <summary>sizeof(struct sockaddr_pppol2tp): the kernel tells L2TPv2-over-IPv4 from the other
    /// variants by this length.</summary>
    public const int AddressSize = 38;

    private int _fd;

    private PppoL2tpSocket(int fd, ushort tunnelId, ushort sessionId)
    {
        _fd = fd;
        TunnelId = tunnelId;
        SessionId = sessionId;
    }

    public ushort TunnelId { get; }
    public ushort SessionId { get; }

    /// <summary>The socket's file descriptor (for a caller's own poll loop).</summary>
    public int Fd => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(PppoL2tpSocket));

    /// <summary>
    /// Creates the socket and connects it to session <paramref name="sessionId"/> of tunnel
    /// <paramref name="tunnelId"/> (which must exist: ENOENT otherwise). The kernel uses
    /// <paramref name="tunnelUdpFd"/> and <paramref name="peer"/> only when it has to create the
    /// tunnel itself, which this adapter never asks it to (the tunnel comes from netlink); they
    /// are passed for completeness. EEXIST when another socket already holds the session.
    /// </summary>
    public static PppoL2tpSocket Connect(int tunnelUdpFd, IPEndPoint peer, ushort tunnelId, ushort sessionId, ushort peerTunnelId, ushort peerSessionId)
    {
        byte[] address = BuildAddress(tunnelUdpFd, peer, tunnelId, sessionId, peerTunnelId, peerSessionId);
        string what = $"tunnel {tunnelId}, session {sessionId}, peer tunnel {peerTunnelId}, peer session {peerSessionId}";
        int fd = socket(PppIoctl.AF_PPPOX, SOCK_DGRAM | SOCK_CLOEXEC, PppIoctl.PX_PROTO_OL2TP);
        if (fd < 0)
            throw new SyscallException("socket(AF_PPPOX, PX_PROTO_OL2TP)", Marshal.GetLastPInvokeError(), "is l2tp_ppp loaded?");
        try
        {
            fixed (byte* p = address)
            {
                if (connect(fd, p, address.Length) != 0)
                    throw new SyscallException($"connect(PPPoL2TP {what})", Marshal.GetLastPInvokeError());
            }
            return new PppoL2tpSocket(fd, tunnelId, sessionId);
        }
        catch
        {
            _ = close(fd);
            throw;
        }
    }

    /// <summary><see cref="Connect(int, IPEndPoint, ushort, ushort, ushort, ushort)"/> for a tunnel on a .NET socket.</summary>
    public static PppoL2tpSocket Connect(Socket tunnelSocket, ushort tunnelId, ushort sessionId, ushort peerTunnelId, ushort peerSessionId)
    {
        ArgumentNullException.ThrowIfNull(tunnelSocket);
        var peer = tunnelSocket.RemoteEndPoint as IPEndPoint
            ?? throw new ArgumentException("the tunnel socket is not connected to its peer", nameof(tunnelSocket));
        return Connect(checked((int)tunnelSocket.Handle), peer, tunnelId, sessionId, peerTunnelId, peerSessionId);
    }

    /// <summary>
    /// <c>struct sockaddr_pppol2tp</c> (packed, 38 bytes): sa_family (u16) = AF_PPPOX, sa_protocol
    /// (u32, at offset 2) = PX_PROTO_OL2TP, then <c>struct pppol2tp_addr</c> at offset 6: pid (0 =
    /// the caller), fd, <c>sockaddr_in</c> of the peer (family, port and address in network
    /// order), s_tunnel, s_session (ours: incoming packets), d_tunnel, d_session (the peer's:
    /// outgoing packets), u16 each in host order.
    /// </summary>
    public static byte[] BuildAddress(int tunnelUdpFd, IPEndPoint peer, ushort tunnelId, ushort sessionId, ushort peerTunnelId, ushort peerSessionId)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (peer.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"only IPv4 peers are supported ({peer})", nameof(peer));
        if (tunnelId == 0 || sessionId == 0 || peerTunnelId == 0 || peerSessionId == 0)
            throw new ArgumentOutOfRangeException(nameof(sessionId), "tunnel and session ids are 1..65535 (0 would make a tunnel-management socket)");
        var a = new byte[AddressSize];
        BinaryPrimitives.WriteUInt16LittleEndian(a, PppIoctl.AF_PPPOX);
        BinaryPrimitives.WriteUInt32LittleEndian(a.AsSpan(2), PppIoctl.PX_PROTO_OL2TP);
        // pid (6) stays 0.
        BinaryPrimitives.WriteInt32LittleEndian(a.AsSpan(10), tunnelUdpFd);
        BinaryPrimitives.WriteUInt16LittleEndian(a.AsSpan(14), (ushort)AddressFamily.InterNetwork);
        BinaryPrimitives.WriteUInt16BigEndian(a.AsSpan(16), (ushort)peer.Port);
        peer.Address.TryWriteBytes(a.AsSpan(18, 4), out _);
        // sin_zero (22..29) stays 0.
        BinaryPrimitives.WriteUInt16LittleEndian(a.AsSpan(30), tunnelId);
        BinaryPrimitives.WriteUInt16LittleEndian(a.AsSpan(32), sessionId);
        BinaryPrimitives.WriteUInt16LittleEndian(a.AsSpan(34), peerTunnelId);
        BinaryPrimitives.WriteUInt16LittleEndian(a.AsSpan(36), peerSessionId);
        return a;
    }

    /// <summary>PPPIOCGCHAN: the index of the session's ppp channel. From this call on the kernel
    /// delivers the session's frames to the ppp layer instead of this socket's queue, so call it
    /// before the peer sends PPP.</summary>
    public int GetChannelIndex()
    {
        int index = 0;
        if (ioctl(Fd, PppIoctl.PPPIOCGCHAN, &index) != 0)
            throw new SyscallException($"PPPIOCGCHAN(tunnel {TunnelId}, session {SessionId})", Marshal.GetLastPInvokeError());
        return index;
    }

    /// <summary>PPPOL2TP_SO_LNSMODE: as the LNS, the kernel decides whether data messages carry
    /// sequence numbers instead of following the peer (RFC 2661 §5.4: the LNS controls data
    /// sequencing).</summary>
    public void SetLnsMode(bool lns)
    {
        int value = lns ? 1 : 0;
        if (setsockopt(Fd, PppIoctl.SOL_PPPOL2TP, PppIoctl.PPPOL2TP_SO_LNSMODE, &value, sizeof(int)) != 0)
            throw new SyscallException($"setsockopt(PPPOL2TP_SO_LNSMODE, tunnel {TunnelId}, session {SessionId})", Marshal.GetLastPInvokeError());
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = close(_fd);
            _fd = -1;
        }
    }
}
