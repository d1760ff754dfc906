using Appliance.Platform.Linux.Netlink;

namespace Appliance.Platform.Linux.L2tp;

/// <summary>
/// Byte layouts of the "l2tp" generic netlink requests and replies (linux/l2tp.h), with no socket.
/// Every request is nlmsghdr (type = the family id the controller assigned), genlmsghdr
/// (command, version 1), then attributes in host order. Tunnel and session ids are u32
/// attributes even for L2TPv2, whose ids are 16 bits.
/// </summary>
public static class L2tpMessages
{
    private const ushort RequestAck = NetlinkHeader.NLM_F_REQUEST | NetlinkHeader.NLM_F_ACK;

    /// <summary>L2TP_CMD_TUNNEL_CREATE for an L2TPv2 tunnel over UDP on a socket userspace owns:
    /// the kernel takes <paramref name="udpSocketFd"/> (it must be a UDP socket no other tunnel
    /// uses, connected to the peer) and keeps reading control messages up to that socket.</summary>
    public static byte[] CreateTunnel(ushort familyId, ushort tunnelId, ushort peerTunnelId, int udpSocketFd, uint sequence)
    {
        RequireId(tunnelId, nameof(tunnelId));
        RequireId(peerTunnelId, nameof(peerTunnelId));
        ArgumentOutOfRangeException.ThrowIfNegative(udpSocketFd);
        var b = GenericNetlink.Request(familyId, L2tpGenl.L2TP_CMD_TUNNEL_CREATE, L2tpGenl.Version, RequestAck, sequence);
        b.AddU32(L2tpGenl.L2TP_ATTR_CONN_ID, tunnelId);
        b.AddU32(L2tpGenl.L2TP_ATTR_PEER_CONN_ID, peerTunnelId);
        b.AddU8(L2tpGenl.L2TP_ATTR_PROTO_VERSION, 2);
        b.AddU16(L2tpGenl.L2TP_ATTR_ENCAP_TYPE, L2tpGenl.L2TP_ENCAPTYPE_UDP);
        b.AddU32(L2tpGenl.L2TP_ATTR_FD, (uint)udpSocketFd);
        return b.ToArray();
    }

    /// <summary>L2TP_CMD_TUNNEL_DELETE: the kernel closes the tunnel's sessions (and their ppp
    /// channels) and lets go of the UDP socket, which stays open in userspace.</summary>
    public static byte[] DeleteTunnel(ushort familyId, ushort tunnelId, uint sequence)
    {
        RequireId(tunnelId, nameof(tunnelId));
        var b = GenericNetlink.Request(familyId, L2tpGenl.L2TP_CMD_TUNNEL_DELETE, L2tpGenl.Version, RequestAck, sequence);
        b.AddU32(L2tpGenl.L2TP_ATTR_CONN_ID, tunnelId);
        return b.ToArray();
    }

    /// <summary>L2TP_CMD_SESSION_CREATE for a PPP pseudowire (the kernel's l2tp_ppp creates it;
    /// a PPPoL2TP socket connected with the same ids then attaches to it).</summary>
    public static byte[] CreateSession(ushort familyId, ushort tunnelId, ushort sessionId, ushort peerSessionId, bool lnsMode, uint sequence)
    {
        RequireId(tunnelId, nameof(tunnelId));
        RequireId(sessionId, nameof(sessionId));
        RequireId(peerSessionId, nameof(peerSessionId));
        var b = GenericNetlink.Request(familyId, L2tpGenl.L2TP_CMD_SESSION_CREATE, L2tpGenl.Version, RequestAck, sequence);
        b.AddU32(L2tpGenl.L2TP_ATTR_CONN_ID, tunnelId);
        b.AddU32(L2tpGenl.L2TP_ATTR_SESSION_ID, sessionId);
        b.AddU32(L2tpGenl.L2TP_ATTR_PEER_SESSION_ID, peerSessionId);
        b.AddU16(L2tpGenl.L2TP_ATTR_PW_TYPE, L2tpGenl.L2TP_PWTYPE_PPP);
        if (lnsMode)
            b.AddU8(L2tpGenl.L2TP_ATTR_LNS_MODE, 1);
        return b.ToArray();
    }

    public static byte[] DeleteSession(ushort familyId, ushort tunnelId, ushort sessionId, uint sequence) =>
        SessionById(familyId, L2tpGenl.L2TP_CMD_SESSION_DELETE, RequestAck, tunnelId, sessionId, sequence);

    /// <summary>L2TP_CMD_SESSION_GET: answered with one message of the same command (no ACK).</summary>
    public static byte[] GetSession(ushort familyId, ushort tunnelId, ushort sessionId, uint sequence) =>
        SessionById(familyId, L2tpGenl.L2TP_CMD_SESSION_GET, NetlinkHeader.NLM_F_REQUEST, tunnelId, sessionId, sequence);

    private static byte[] SessionById(ushort familyId, byte command, ushort flags, ushort tunnelId, ushort sessionId, uint sequence)
    {
        RequireId(tunnelId, nameof(tunnelId));
        RequireId(sessionId, nameof(sessionId));
        var b = GenericNetlink.Request(familyId, command, L2tpGenl.Version, flags, sequence);
        b.AddU32(L2tpGenl.L2TP_ATTR_CONN_ID, tunnelId);
        b.AddU32(L2tpGenl.L2TP_ATTR_SESSION_ID, sessionId);
        return b.ToArray();
    }

    /// <summary>Reads a session message (the reply to SESSION_GET, or a notification); false when
    /// it is not one of <paramref name="familyId"/> or lacks the tunnel and session ids. Missing
    /// counters read as 0.</summary>
    public static bool TryParseSession(NetlinkMessage message, ushort familyId, out L2tpSessionInfo? session)
    {
        session = null;
        if (message.Header.Type != familyId || !GenericNetlink.TryReadHeader(message, out _, out _, out var attributes))
            return false;
        if (!attributes.TryFind(L2tpGenl.L2TP_ATTR_CONN_ID, out var t) || !t.TryReadU32(out uint tunnelId) ||
            !attributes.TryFind(L2tpGenl.L2TP_ATTR_SESSION_ID, out var s) || !s.TryReadU32(out uint sessionId))
            return false;
        uint peerTunnel = U32(attributes, L2tpGenl.L2TP_ATTR_PEER_CONN_ID);
        uint peerSession = U32(attributes, L2tpGenl.L2TP_ATTR_PEER_SESSION_ID);
        ushort pwType = attributes.TryFind(L2tpGenl.L2TP_ATTR_PW_TYPE, out var pw) && pw.TryReadU16(out ushort p) ? p : (ushort)0;
        bool lns = attributes.TryFind(L2tpGenl.L2TP_ATTR_LNS_MODE, out var l) && l.TryReadU8(out byte lv) && lv != 0;
        string? ifname = attributes.TryFind(L2tpGenl.L2TP_ATTR_IFNAME, out var name) ? name.ReadString() : null;
        var stats = default(L2tpSessionStats);
        if (attributes.TryFind(L2tpGenl.L2TP_ATTR_STATS, out var nested))
        {
            // The kernel may put an L2TP_ATTR_STATS_PAD before each u64 to align it; lookups skip it.
            var c = NetlinkAttribute.Parse(nested.Value);
            stats = new L2tpSessionStats(
                TxPackets: U64(c, L2tpGenl.L2TP_ATTR_TX_PACKETS),
                TxBytes: U64(c, L2tpGenl.L2TP_ATTR_TX_BYTES),
                TxErrors: U64(c, L2tpGenl.L2TP_ATTR_TX_ERRORS),
                RxPackets: U64(c, L2tpGenl.L2TP_ATTR_RX_PACKETS),
                RxBytes: U64(c, L2tpGenl.L2TP_ATTR_RX_BYTES),
                RxErrors: U64(c, L2tpGenl.L2TP_ATTR_RX_ERRORS),
                RxSequenceDiscards: U64(c, L2tpGenl.L2TP_ATTR_RX_SEQ_DISCARDS),
                RxOutOfSequence: U64(c, L2tpGenl.L2TP_ATTR_RX_OOS_PACKETS),
                RxCookieDiscards: U64(c, L2tpGenl.L2TP_ATTR_RX_COOKIE_DISCARDS),
                RxInvalid: U64(c, L2tpGenl.L2TP_ATTR_RX_INVALID));
        }
        session = new L2tpSessionInfo(tunnelId, sessionId, peerTunnel, peerSession, pwType, lns, ifname, stats);
        return true;
    }

    private static uint U32(List<NetlinkAttribute> attributes, ushort type) =>
        attributes.TryFind(type, out var a) && a.TryReadU32(out uint v) ? v : 0;

    private static ulong U64(List<NetlinkAttribute> attributes, ushort type) =>
        attributes.TryFind(type, out var a) && a.TryReadU64(out ulong v) ? v : 0;

    private static void RequireId(ushort id, string name)
    {
        // 0 is reserved: tunnel 0 and session 0 address the control connection itself (RFC 2661 §3.1).
        if (id == 0)
            throw new ArgumentOutOfRangeException(name, "L2TP tunnel and session ids are 1..65535");
    }
}
