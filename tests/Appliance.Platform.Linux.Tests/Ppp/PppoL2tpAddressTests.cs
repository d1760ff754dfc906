using System.Net;
using Appliance.Platform.Linux.Ppp;
using Appliance.Platform.Linux.Tests.Netlink;

namespace Appliance.Platform.Linux.Tests.Ppp;

/// <summary>struct sockaddr_pppol2tp and the ppp ioctl numbers, checked against the layout and
/// the values linux/if_pppol2tp.h and linux/ppp-ioctl.h give (offsetof/sizeof and the _IOR/_IOW
/// macros, as printed by a C program compiled against Debian 12's headers).</summary>
public class PppoL2tpAddressTests
{
    [Fact]
    public void The_connect_address_is_the_packed_38_byte_sockaddr_pppol2tp()
    {
        var address = PppoL2tpSocket.BuildAddress(9, IPEndPoint.Parse("198.51.100.2:1701"), tunnelId: 10, sessionId: 100, peerTunnelId: 20, peerSessionId: 200);
        Hex.Equal(
            "1800" +                     // sa_family AF_PPPOX (24)
            "01000000" +                 // sa_protocol PX_PROTO_OL2TP, right after (packed)
            "00000000" +                 // pppol2tp.pid 0: the caller (offset 6)
            "09000000" +                 // pppol2tp.fd (offset 10)
            "0200 06a5 c6336402 0000000000000000" + // sockaddr_in: AF_INET, port 1701 and address in network order (offset 14)
            "0a00 6400" +                // s_tunnel 10, s_session 100 (offset 30)
            "1400 c800",                 // d_tunnel 20, d_session 200 (offset 34)
            address);
        Assert.Equal(PppoL2tpSocket.AddressSize, address.Length);
    }

    [Fact]
    public void Zero_ids_and_ipv6_peers_are_refused()
    {
        var peer = IPEndPoint.Parse("198.51.100.2:1701");
        Assert.Throws<ArgumentOutOfRangeException>(() => PppoL2tpSocket.BuildAddress(3, peer, 0, 1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PppoL2tpSocket.BuildAddress(3, peer, 1, 1, 1, 0));
        Assert.Throws<ArgumentException>(() => PppoL2tpSocket.BuildAddress(3, IPEndPoint.Parse("[2001:db8::1]:1701"), 1, 1, 1, 1));
    }

    [Fact]
    public void Ioctl_numbers_match_the_kernel_headers()
    {
        Assert.Equal(0x80047437u, PppIoctl.PPPIOCGCHAN);
        Assert.Equal(0x40047438u, PppIoctl.PPPIOCATTCHAN);
        Assert.Equal(0x00007439u, PppIoctl.PPPIOCDISCONN);
        Assert.Equal(0x4004743au, PppIoctl.PPPIOCCONNECT);
        Assert.Equal(0xc004743eu, PppIoctl.PPPIOCNEWUNIT);
        Assert.Equal(0x4008744bu, PppIoctl.PPPIOCSNPMODE);
        Assert.Equal(0xc008744cu, PppIoctl.PPPIOCGNPMODE);
        Assert.Equal(0x40047452u, PppIoctl.PPPIOCSMRU);
        Assert.Equal(0x80047456u, PppIoctl.PPPIOCGUNIT);
    }

    [Fact]
    public void Without_dev_ppp_a_channel_or_unit_fails_naming_the_device_and_errno()
    {
        if (File.Exists("/dev/ppp"))
            return; // the lab covers kernels with ppp_generic
        var e = Assert.Throws<SyscallException>(() => PppUnit.Create());
        Assert.Equal("open(/dev/ppp) for a new unit", e.Operation);
        Assert.Equal("ENOENT", e.ErrnoName);
        var c = Assert.Throws<SyscallException>(() => PppChannel.Attach(3));
        Assert.StartsWith("open(/dev/ppp) for channel 3: ENOENT (", c.Message);
    }
}
