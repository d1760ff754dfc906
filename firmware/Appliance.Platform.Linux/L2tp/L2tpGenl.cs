namespace Appliance.Platform.Linux.L2tp;

/// <summary>Numbers from linux/l2tp.h: the "l2tp" generic netlink family (module l2tp_netlink).</summary>
public static class L2tpGenl
{
    public const string FamilyName = "l2tp";
    public const byte Version = 1;

    // Commands (enum L2TP_CMD_*).
    public const byte L2TP_CMD_TUNNEL_CREATE = 1, L2TP_CMD_TUNNEL_DELETE = 2, L2TP_CMD_TUNNEL_MODIFY = 3,
        L2TP_CMD_TUNNEL_GET = 4, L2TP_CMD_SESSION_CREATE = 5, L2TP_CMD_SESSION_DELETE = 6,
        L2TP_CMD_SESSION_MODIFY = 7, L2TP_CMD_SESSION_GET = 8;

    // Attributes (enum L2TP_ATTR_*).
    public const ushort L2TP_ATTR_PW_TYPE = 1, L2TP_ATTR_ENCAP_TYPE = 2, L2TP_ATTR_PROTO_VERSION = 7,
        L2TP_ATTR_IFNAME = 8, L2TP_ATTR_CONN_ID = 9, L2TP_ATTR_PEER_CONN_ID = 10,
        L2TP_ATTR_SESSION_ID = 11, L2TP_ATTR_PEER_SESSION_ID = 12, L2TP_ATTR_RECV_SEQ = 18,
        L2TP_ATTR_SEND_SEQ = 19, L2TP_ATTR_LNS_MODE = 20, L2TP_ATTR_FD = 23, L2TP_ATTR_STATS = 30;

    // Nested in L2TP_ATTR_STATS (all u64).
    public const ushort L2TP_ATTR_TX_PACKETS = 1, L2TP_ATTR_TX_BYTES = 2, L2TP_ATTR_TX_ERRORS = 3,
        L2TP_ATTR_RX_PACKETS = 4, L2TP_ATTR_RX_BYTES = 5, L2TP_ATTR_RX_SEQ_DISCARDS = 6,
        L2TP_ATTR_RX_OOS_PACKETS = 7, L2TP_ATTR_RX_ERRORS = 8, L2TP_ATTR_STATS_PAD = 9,
        L2TP_ATTR_RX_COOKIE_DISCARDS = 10, L2TP_ATTR_RX_INVALID = 11;

    /// <summary>enum l2tp_pwtype: PPP is what L2TPv2 carries.</summary>
    public const ushort L2TP_PWTYPE_PPP = 0x0007;

    /// <summary>enum l2tp_encap_type.</summary>
    public const ushort L2TP_ENCAPTYPE_UDP = 0;

    /// <summary>Readable name of a command, for errors and logs.</summary>
    public static string CommandName(byte command) => command switch
    {
        L2TP_CMD_TUNNEL_CREATE => "L2TP_CMD_TUNNEL_CREATE",
        L2TP_CMD_TUNNEL_DELETE => "L2TP_CMD_TUNNEL_DELETE",
        L2TP_CMD_TUNNEL_MODIFY => "L2TP_CMD_TUNNEL_MODIFY",
        L2TP_CMD_TUNNEL_GET => "L2TP_CMD_TUNNEL_GET",
        L2TP_CMD_SESSION_CREATE => "L2TP_CMD_SESSION_CREATE",
        L2TP_CMD_SESSION_DELETE => "L2TP_CMD_SESSION_DELETE",
        L2TP_CMD_SESSION_MODIFY => "L2TP_CMD_SESSION_MODIFY",
        L2TP_CMD_SESSION_GET => "L2TP_CMD_SESSION_GET",
        _ => $"L2TP command {command}",
    };
}
