using System.Net.Sockets;
using Appliance.Platform.Linux.Netlink;

namespace Appliance.Platform.Linux.L2tp;

/// <summary>
/// The kernel's L2TP datapath through its generic netlink family "l2tp" (module l2tp_netlink):
/// tunnels on UDP sockets the daemon owns, PPP sessions in them, and the sessions' counters.
/// L2TPv2 over UDP only (what L2TP/IPsec clients speak). A refusal becomes a
/// <see cref="NetlinkException"/> naming the command, the ids and the errno. Needs CAP_NET_ADMIN.
/// </summary>
/// <remarks>
/// Control messages never reach this class: the kernel hands every L2TP packet with the T bit set
/// (and data for a session it does not know) up to the tunnel's UDP socket, where the daemon reads
/// it as before; only data packets of known sessions stay in the kernel. See <see cref="L2tpUdpSockets"/>.
/// </remarks>
public sealed class L2tpNetlink : IDisposable
{
    private readonly NetlinkSocket _socket;

    private L2tpNetlink(NetlinkSocket socket, GenericNetlinkFamily family)
    {
        _socket = socket;
        Family = family;
    }

    /// <summary>The "l2tp" family as the controller reported it (its id changes per boot).</summary>
    public GenericNetlinkFamily Family { get; }

    /// <summary>Opens a NETLINK_GENERIC socket and resolves the "l2tp" family. ENOENT means the
    /// kernel has no l2tp_netlink (not built, or not loadable).</summary>
    public static L2tpNetlink Open()
    {
        var socket = NetlinkSocket.Open(NetlinkSyscalls.NETLINK_GENERIC, "NETLINK_GENERIC");
        try
        {
            GenericNetlinkFamily family;
            try
            {
                family = GenericNetlink.ResolveFamily(socket, L2tpGenl.FamilyName);
            }
            catch (NetlinkException e) when (e.Errno == Errno.ENOENT)
            {
                throw new NetlinkException(e.Operation, e.Errno, "the kernel has no L2TP netlink family (module l2tp_netlink)");
            }
            return new L2tpNetlink(socket, family);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Creates L2TPv2 tunnel <paramref name="tunnelId"/> (ours) to the peer's
    /// <paramref name="peerTunnelId"/> on <paramref name="udpSocketFd"/>: a UDP socket bound to our
    /// address and port 1701 and connected to the peer (the kernel sends data only on a connected
    /// socket, and takes a socket for one tunnel only: EBUSY otherwise). EEXIST when the id is taken.
    /// Closing the socket deletes the tunnel.</summary>
    public void CreateTunnel(ushort tunnelId, ushort peerTunnelId, int udpSocketFd) =>
        Request(L2tpGenl.L2TP_CMD_TUNNEL_CREATE, $"tunnel {tunnelId}, peer tunnel {peerTunnelId}, fd {udpSocketFd}",
            seq => L2tpMessages.CreateTunnel(Family.Id, tunnelId, peerTunnelId, udpSocketFd, seq));

    /// <summary><see cref="CreateTunnel(ushort, ushort, int)"/> on a .NET socket (its file descriptor).</summary>
    public void CreateTunnel(ushort tunnelId, ushort peerTunnelId, Socket udpSocket)
    {
        ArgumentNullException.ThrowIfNull(udpSocket);
        if (udpSocket.ProtocolType != ProtocolType.Udp)
            throw new ArgumentException("an L2TP tunnel needs a UDP socket", nameof(udpSocket));
        if (!udpSocket.Connected)
            throw new ArgumentException("the tunnel's UDP socket must be connected to the peer (L2tpUdpSockets.OpenForTunnel)", nameof(udpSocket));
        CreateTunnel(tunnelId, peerTunnelId, checked((int)udpSocket.Handle));
    }

    /// <summary>Deletes a tunnel and every session in it. ENODEV when there is none.</summary>
    public void DeleteTunnel(ushort tunnelId) =>
        Request(L2tpGenl.L2TP_CMD_TUNNEL_DELETE, $"tunnel {tunnelId}",
            seq => L2tpMessages.DeleteTunnel(Family.Id, tunnelId, seq));

    /// <summary>Creates PPP session <paramref name="sessionId"/> in a tunnel (the kernel-created
    /// style; <see cref="Ppp.PppoL2tpSocket"/> connected with the same ids then attaches to it).
    /// EEXIST when the id is taken in that tunnel, ENODEV when the tunnel does not exist,
    /// EPROTONOSUPPORT when l2tp_ppp is missing (or the kernel lacks CONFIG_L2TP_V3).</summary>
    public void CreateSession(ushort tunnelId, ushort sessionId, ushort peerSessionId, bool lnsMode = true) =>
        Request(L2tpGenl.L2TP_CMD_SESSION_CREATE, $"tunnel {tunnelId}, session {sessionId}, peer session {peerSessionId}",
            seq => L2tpMessages.CreateSession(Family.Id, tunnelId, sessionId, peerSessionId, lnsMode, seq));

    /// <summary>Deletes a session (its ppp channel stops). ENODEV when there is none.</summary>
    public void DeleteSession(ushort tunnelId, ushort sessionId) =>
        Request(L2tpGenl.L2TP_CMD_SESSION_DELETE, $"tunnel {tunnelId}, session {sessionId}",
            seq => L2tpMessages.DeleteSession(Family.Id, tunnelId, sessionId, seq));

    /// <summary>A session's ids, pseudowire type, LNS mode and counters. ENODEV when there is none.</summary>
    public L2tpSessionInfo GetSession(ushort tunnelId, ushort sessionId)
    {
        string operation = $"{L2tpGenl.CommandName(L2tpGenl.L2TP_CMD_SESSION_GET)}(tunnel {tunnelId}, session {sessionId})";
        var reply = _socket.Transact(seq => L2tpMessages.GetSession(Family.Id, tunnelId, sessionId, seq), operation, expectReply: true)!.Value;
        if (!L2tpMessages.TryParseSession(reply, Family.Id, out var session) || session is null)
            throw new NetlinkException(operation, Errno.EBADMSG, "reply without tunnel and session ids");
        return session;
    }

    /// <summary>The counters of a session (<see cref="GetSession"/>'s).</summary>
    public L2tpSessionStats GetSessionStats(ushort tunnelId, ushort sessionId) => GetSession(tunnelId, sessionId).Stats;

    private void Request(byte command, string what, Func<uint, byte[]> build) =>
        _socket.Transact(build, $"{L2tpGenl.CommandName(command)}({what})", expectReply: false);

    public void Dispose() => _socket.Dispose();
}
