using Appliance.Platform.Linux.L2tp;
using Appliance.Platform.Linux.Netlink;
using Appliance.Platform.Linux.Tests.Netlink;

namespace Appliance.Platform.Linux.Tests.L2tp;

/// <summary>
/// The "l2tp" generic netlink requests byte for byte, laid out by hand from linux/l2tp.h and
/// linux/genetlink.h (nlmsghdr, genlmsghdr, then each attribute as len/type/value padded to 4),
/// and the SESSION_GET answer read back from the kernel's layout.
/// </summary>
public class L2tpMessagesTests
{
    private const ushort Family = 0x20;

    [Fact]
    public void Tunnel_create_carries_ids_version_2_udp_and_the_socket_fd()
    {
        Hex.Equal(
            "3c000000 2000 0500 01000000 00000000" + // len 60, family 0x20, REQUEST|ACK, seq 1
            "01 01 0000" +                            // L2TP_CMD_TUNNEL_CREATE, version 1
            "0800 0900 0a000000" +                    // L2TP_ATTR_CONN_ID 10
            "0800 0a00 14000000" +                    // L2TP_ATTR_PEER_CONN_ID 20
            "0500 0700 02 000000" +                   // L2TP_ATTR_PROTO_VERSION 2 (u8, padded)
            "0600 0200 0000 0000" +                   // L2TP_ATTR_ENCAP_TYPE UDP (u16, padded)
            "0800 1700 09000000",                     // L2TP_ATTR_FD 9
            L2tpMessages.CreateTunnel(Family, 10, 20, 9, 1));
    }

    [Fact]
    public void Session_create_is_a_ppp_pseudowire_with_lns_mode_when_asked()
    {
        Hex.Equal(
            "3c000000 2000 0500 02000000 00000000" +
            "05 01 0000" +                            // L2TP_CMD_SESSION_CREATE
            "0800 0900 0a000000" +                    // L2TP_ATTR_CONN_ID 10
            "0800 0b00 64000000" +                    // L2TP_ATTR_SESSION_ID 100
            "0800 0c00 c8000000" +                    // L2TP_ATTR_PEER_SESSION_ID 200
            "0600 0100 0700 0000" +                   // L2TP_ATTR_PW_TYPE PPP (7)
            "0500 1400 01 000000",                    // L2TP_ATTR_LNS_MODE 1
            L2tpMessages.CreateSession(Family, 10, 100, 200, lnsMode: true, 2));
        Assert.Equal(0x34, L2tpMessages.CreateSession(Family, 10, 100, 200, lnsMode: false, 2)[0]);
    }

    [Fact]
    public void Deletes_and_get_name_the_tunnel_and_session_by_id()
    {
        Hex.Equal("1c000000 2000 0500 03000000 00000000 02 01 0000 0800 0900 0a000000",
            L2tpMessages.DeleteTunnel(Family, 10, 3));
        Hex.Equal("24000000 2000 0500 04000000 00000000 06 01 0000 0800 0900 0a000000 0800 0b00 64000000",
            L2tpMessages.DeleteSession(Family, 10, 100, 4));
        // GET: no ACK flag, the answer is the session itself.
        Hex.Equal("24000000 2000 0100 05000000 00000000 08 01 0000 0800 0900 0a000000 0800 0b00 64000000",
            L2tpMessages.GetSession(Family, 10, 100, 5));
    }

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(1, 0, 1)]
    [InlineData(1, 1, 0)]
    public void Id_zero_is_refused_it_addresses_the_control_connection(ushort tunnel, ushort session, ushort peer)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => L2tpMessages.CreateSession(Family, tunnel, session, peer, true, 1));
    }

    [Fact]
    public void Tunnel_create_refuses_id_zero_and_negative_fds()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => L2tpMessages.CreateTunnel(Family, 0, 1, 3, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => L2tpMessages.CreateTunnel(Family, 1, 1, -1, 1));
    }

    /// <summary>A SESSION_GET answer as l2tp_nl_session_send lays it out: ids, pseudowire, flags,
    /// then L2TP_ATTR_STATS with u64 counters (here with an L2TP_ATTR_STATS_PAD before the first,
    /// as kernels without efficient unaligned access put one).</summary>
    internal static byte[] SessionReply(ushort family = Family) => Hex.Bytes(
        $"c8000000 {family & 0xff:x2}{family >> 8:x2} 0000 05000000 00000000" +
        "08 01 0000" +
        "0800 0900 0a000000" +        // CONN_ID 10
        "0800 0b00 64000000" +        // SESSION_ID 100
        "0800 0a00 14000000" +        // PEER_CONN_ID 20
        "0800 0c00 c8000000" +        // PEER_SESSION_ID 200
        "0600 0100 0700 0000" +       // PW_TYPE PPP
        "0500 1200 00 000000" +       // RECV_SEQ 0
        "0500 1300 00 000000" +       // SEND_SEQ 0
        "0500 1400 01 000000" +       // LNS_MODE 1
        "7400 1e00" +                 // STATS, nested: 4 + 112 bytes
        "  0400 0900" +               //   STATS_PAD
        "  0c00 0100 0300000000000000" + // TX_PACKETS 3
        "  0c00 0200 1a01000000000000" + // TX_BYTES 282
        "  0c00 0300 0000000000000000" + // TX_ERRORS 0
        "  0c00 0400 0400000000000000" + // RX_PACKETS 4
        "  0c00 0500 7801000000000000" + // RX_BYTES 376
        "  0c00 0600 0000000000000000" + // RX_SEQ_DISCARDS
        "  0c00 0700 0000000000000000" + // RX_OOS_PACKETS
        "  0c00 0800 0200000000000000" + // RX_ERRORS 2
        "  0c00 0b00 0100000000000000"); // RX_INVALID 1

    [Fact]
    public void A_session_answer_gives_ids_lns_mode_and_counters()
    {
        var message = Assert.Single(NetlinkMessage.Split(SessionReply(), out bool malformed));
        Assert.False(malformed);
        Assert.True(L2tpMessages.TryParseSession(message, Family, out var s));
        Assert.Equal(new L2tpSessionInfo(10, 100, 20, 200, L2tpGenl.L2TP_PWTYPE_PPP, true, null,
            new L2tpSessionStats(TxPackets: 3, TxBytes: 282, TxErrors: 0, RxPackets: 4, RxBytes: 376, RxErrors: 2,
                RxSequenceDiscards: 0, RxOutOfSequence: 0, RxCookieDiscards: 0, RxInvalid: 1)), s);
    }

    [Fact]
    public void An_answer_of_another_family_is_not_a_session()
    {
        var message = Assert.Single(NetlinkMessage.Split(SessionReply()));
        Assert.False(L2tpMessages.TryParseSession(message, (ushort)(Family + 1), out _));
    }

    [Fact]
    public void Every_cut_session_answer_parses_to_false_or_a_session_never_an_exception()
    {
        var reply = SessionReply();
        for (int length = 0; length <= reply.Length; length++)
        {
            var cut = reply[..length];
            if (length >= NetlinkHeader.Size)
                BitConverter.TryWriteBytes(cut.AsSpan(0, 4), length);
            foreach (var message in NetlinkMessage.Split(cut))
            {
                bool ok = L2tpMessages.TryParseSession(message, Family, out var s);
                // The session id ends at byte 36; a counter only counts when all 8 bytes arrived.
                if (length < 36)
                    Assert.False(ok, $"parsed a session from {length} bytes");
                if (ok)
                {
                    Assert.Equal(100u, s!.SessionId);
                    Assert.True(s.Stats.TxPackets is 0 or 3);
                    Assert.True(s.Stats.RxInvalid is 0 or 1);
                }
            }
        }
    }
}
