using System.Net;
using Appliance.Platform.Linux.Netlink;
using Appliance.Platform.Linux.Rtnetlink;
using Appliance.Platform.Linux.Tests.Netlink;

namespace Appliance.Platform.Linux.Tests.Rtnetlink;

/// <summary>The rtnetlink requests byte for byte, laid out by hand from linux/rtnetlink.h
/// (ifinfomsg 16 bytes, ifaddrmsg 8, rtmsg 12) and linux/if_link.h / if_addr.h attribute numbers,
/// and the link answer read back.</summary>
public class RtnetlinkMessagesTests
{
    private static readonly IPAddress Local = IPAddress.Parse("10.99.0.1");
    private static readonly IPAddress Peer = IPAddress.Parse("10.99.0.2");

    [Fact]
    public void Link_up_by_name_sets_iff_up_in_flags_and_change()
    {
        Hex.Equal(
            "2c000000 1000 0500 01000000 00000000" + // RTM_NEWLINK, REQUEST|ACK (no CREATE: must exist)
            "00 00 0000 00000000 01000000 01000000" + // AF_UNSPEC, type 0, index 0, flags IFF_UP, change IFF_UP
            "0900 0300 7070703000 000000",            // IFLA_IFNAME "ppp0\0"
            RtnetlinkMessages.SetLink(0, "ppp0", up: true, mtu: null, 1));
    }

    [Fact]
    public void Link_down_by_index_and_mtu_by_index()
    {
        Hex.Equal("20000000 1000 0500 02000000 00000000 00 00 0000 03000000 00000000 01000000",
            RtnetlinkMessages.SetLink(3, null, up: false, mtu: null, 2));
        // MTU only: change 0 leaves the flags alone.
        Hex.Equal("28000000 1000 0500 03000000 00000000 00 00 0000 03000000 00000000 00000000 0800 0400 78050000",
            RtnetlinkMessages.SetLink(3, null, up: null, mtu: 1400, 3));
    }

    [Fact]
    public void Point_to_point_address_has_local_and_peer()
    {
        Hex.Equal(
            "28000000 1400 0506 04000000 00000000" + // RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE
            "02 20 00 00 03000000" +                  // AF_INET, /32, flags 0, scope universe, ifindex 3
            "0800 0200 0a630001" +                    // IFA_LOCAL 10.99.0.1
            "0800 0100 0a630002",                     // IFA_ADDRESS 10.99.0.2 (the peer)
            RtnetlinkMessages.Address(true, 3, Local, Peer, 32, 4));
        Hex.Equal("28000000 1500 0500 05000000 00000000 02 18 00 00 07000000 0800 0200 c0a80801 0800 0100 c0a80801",
            RtnetlinkMessages.Address(false, 7, IPAddress.Parse("192.168.8.1"), null, 24, 5));
    }

    [Fact]
    public void Host_route_through_an_interface_and_its_removal()
    {
        Hex.Equal(
            "2c000000 1800 0506 06000000 00000000" + // RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE
            "02 20 00 00 fe 04 fd 01 00000000" +      // AF_INET /32, table main, RTPROT_STATIC, scope link, unicast
            "0800 0100 0a630102" +                    // RTA_DST 10.99.1.2
            "0800 0400 03000000",                     // RTA_OIF 3
            RtnetlinkMessages.Route(true, IPAddress.Parse("10.99.1.2"), 32, 3, 6));
        Hex.Equal(
            "2c000000 1900 0500 07000000 00000000" + // RTM_DELROUTE, REQUEST|ACK
            "02 20 00 00 fe 00 ff 00 00000000" +      // any protocol and type, scope nowhere
            "0800 0100 0a630102 0800 0400 03000000",
            RtnetlinkMessages.Route(false, IPAddress.Parse("10.99.1.2"), 32, 3, 7));
    }

    [Fact]
    public void Host_route_with_an_mtu_carries_it_as_a_nested_metric()
    {
        Hex.Equal(
            "38000000 1800 0506 08000000 00000000" +
            "02 20 00 00 fe 04 fd 01 00000000" +
            "0800 0100 0a630102 0800 0400 03000000" +
            "0c00 0800 0800 0200 f6040000",           // RTA_METRICS { RTAX_MTU 1270 }
            RtnetlinkMessages.Route(true, IPAddress.Parse("10.99.1.2"), 32, 3, 8, mtu: 1270));
        // A removal names the route, not its metrics.
        Assert.Equal(RtnetlinkMessages.Route(false, IPAddress.Parse("10.99.1.2"), 32, 3, 9),
            RtnetlinkMessages.Route(false, IPAddress.Parse("10.99.1.2"), 32, 3, 9, mtu: 1270));
        Assert.Throws<ArgumentOutOfRangeException>(() => RtnetlinkMessages.Route(true, IPAddress.Parse("10.99.1.2"), 32, 3, 1, mtu: 40));
    }

    [Fact]
    public void Getlink_by_name_and_by_index()
    {
        Hex.Equal("2c000000 1200 0100 08000000 00000000 00 00 0000 00000000 00000000 00000000 0900 0300 7070703000 000000",
            RtnetlinkMessages.GetLink("ppp0", 8));
        Hex.Equal("20000000 1200 0100 09000000 00000000 00 00 0000 05000000 00000000 00000000",
            RtnetlinkMessages.GetLink(5, 9));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("eth0:1")]
    [InlineData("sixteen-chars-xx")]
    public void Names_that_are_no_interface_names_are_refused(string name)
    {
        Assert.Throws<ArgumentException>(() => RtnetlinkMessages.GetLink(name, 1));
        Assert.Throws<ArgumentException>(() => InterfaceSysctl.SetProxyArp(name, true));
    }

    [Fact]
    public void Ipv6_addresses_are_refused()
    {
        Assert.Throws<ArgumentException>(() => RtnetlinkMessages.Address(true, 3, IPAddress.IPv6Loopback, null, 128, 1));
        Assert.Throws<ArgumentException>(() => RtnetlinkMessages.Route(true, IPAddress.IPv6Loopback, 128, 3, 1));
    }

    /// <summary>An RTM_NEWLINK answer: ifinfomsg of a running point-to-point ppp0, then IFLA_IFNAME
    /// and IFLA_MTU among attributes the parser does not need.</summary>
    internal static byte[] LinkReply() => Hex.Bytes(
        "44000000 1000 0000 08000000 00000000" +
        "00 00 0002 05000000 d1100100 00000000" + // type ARPHRD_PPP (512), index 5, UP|POINTOPOINT|RUNNING|NOARP|MULTICAST|LOWER_UP
        "0900 0300 7070703000 000000" +            // IFLA_IFNAME ppp0
        "0800 0d00 03000000" +                     // IFLA_TXQLEN
        "0800 0400 78050000" +                     // IFLA_MTU 1400
        "0500 1000 00 000000");                    // IFLA_OPERSTATE

    [Fact]
    public void A_link_answer_gives_index_name_flags_and_mtu()
    {
        var message = Assert.Single(NetlinkMessage.Split(LinkReply(), out bool malformed));
        Assert.False(malformed);
        Assert.True(RtnetlinkMessages.TryParseLink(message, out var link));
        Assert.Equal(new LinkInfo(5, "ppp0", 0x110d1, 1400), link);
        Assert.True(link!.IsUp);
    }

    [Fact]
    public void Every_cut_link_answer_parses_to_false_or_the_link_never_an_exception()
    {
        var reply = LinkReply();
        for (int length = 0; length <= reply.Length; length++)
        {
            var cut = reply[..length];
            if (length >= NetlinkHeader.Size)
                BitConverter.TryWriteBytes(cut.AsSpan(0, 4), length);
            foreach (var message in NetlinkMessage.Split(cut))
            {
                bool ok = RtnetlinkMessages.TryParseLink(message, out var link);
                if (length < 41) // the name attribute (9 bytes, then padding) ends at byte 41
                    Assert.False(ok, $"parsed a link from {length} bytes");
                if (ok)
                    Assert.Equal("ppp0", link!.Name);
            }
        }
    }
}
