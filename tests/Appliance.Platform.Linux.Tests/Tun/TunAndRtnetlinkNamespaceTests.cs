using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Appliance.Platform.Linux.L2tp;
using Appliance.Platform.Linux.Netlink;
using Appliance.Platform.Linux.Rtnetlink;
using Appliance.Platform.Linux.Tun;

namespace Appliance.Platform.Linux.Tests.Tun;

/// <summary>
/// The TUN and rtnetlink adapters against this machine's own kernel (which has TUN), inside a
/// throwaway network namespace: a device created and named, addressed point-to-point, given an
/// MTU and a host route, brought up and down through our rtnetlink; packets the kernel routes to
/// it are read, and a packet written into it is answered by the kernel. And the L2TP port sharing:
/// a connected per-tunnel socket and the unconnected listener on 1701, each getting its own peers.
/// </summary>
public class TunAndRtnetlinkNamespaceTests
{
    private static readonly IPAddress Local = IPAddress.Parse("10.98.0.1");
    private static readonly IPAddress Peer = IPAddress.Parse("10.98.0.2");
    private static readonly IPAddress Routed = IPAddress.Parse("10.98.5.5");

    [Fact]
    public void A_tun_device_is_named_addressed_routed_and_carries_packets_both_ways()
    {
        if (!File.Exists(TunDevice.ClonePath))
            return;
        IsolatedNetwork.Run(() =>
        {
            using var tun = TunDevice.Open("tuntest0");
            Assert.Equal("tuntest0", tun.Name);
            using var rtnl = RtnetlinkSocket.Open();
            var link = rtnl.GetLink("tuntest0");
            Assert.False(link.IsUp);
            Assert.NotEqual(0u, link.Flags & Rtnl.IFF_POINTOPOINT);

            rtnl.AddPointToPointAddress(link.Index, Local, Peer);
            rtnl.SetMtu(link.Index, 1400);
            rtnl.SetUp("tuntest0");
            link = rtnl.GetLink(link.Index);
            Assert.True(link.IsUp);
            Assert.Equal(1400u, link.Mtu);
            var duplicate = Assert.Throws<NetlinkException>(() => rtnl.AddPointToPointAddress(link.Index, Local, Peer));
            Assert.Equal(Errno.EEXIST, duplicate.Errno);

            // To the peer (the kernel's own route for a point-to-point address) and through a host route of ours.
            rtnl.AddHostRoute(Routed, link.Index);
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.SendTo("to the peer"u8, new IPEndPoint(Peer, 9));
            udp.SendTo("routed"u8, new IPEndPoint(Routed, 9));
            var toPeer = ReadIPv4(tun);
            Assert.Equal((Local, Peer, (byte)17), (Source(toPeer), Destination(toPeer), toPeer[9]));
            Assert.Equal("to the peer", Encoding.ASCII.GetString(toPeer.AsSpan(28)));
            var routed = ReadIPv4(tun);
            Assert.Equal((Local, Routed), (Source(routed), Destination(routed)));
            Assert.Equal("routed", Encoding.ASCII.GetString(routed.AsSpan(28)));

            // Written in as if it came from the peer: the kernel answers the echo through the device.
            Assert.True(tun.TryWrite(EchoRequest(Peer, Local, id: 0x4242)));
            var reply = ReadIPv4(tun);
            Assert.Equal((Local, Peer, (byte)1), (Source(reply), Destination(reply), reply[9]));
            Assert.Equal(0, reply[20]); // ICMP echo reply
            Assert.Equal(0x4242, BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(24)));

            // A route's own MTU, smaller than the interface's: what a connected socket's path MTU becomes.
            rtnl.DeleteHostRoute(Routed, link.Index);
            rtnl.AddHostRoute(Routed, link.Index, mtu: 1270);
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            {
                probe.Connect(new IPEndPoint(Routed, 9));
                var mtu = new byte[4];
                probe.GetRawSocketOption(0 /* SOL_IP */, 14 /* IP_MTU */, mtu);
                Assert.Equal(1270, BitConverter.ToInt32(mtu));
            }

            rtnl.DeleteHostRoute(Routed, link.Index);
            var gone = Assert.Throws<SocketException>(() => udp.SendTo("x"u8, new IPEndPoint(Routed, 9)));
            Assert.Equal(SocketError.NetworkUnreachable, gone.SocketErrorCode);
            var noRoute = Assert.Throws<NetlinkException>(() => rtnl.DeleteHostRoute(Routed, link.Index));
            Assert.Equal("RTM_DELROUTE(10.98.5.5/32 dev ifindex " + link.Index + ")", noRoute.Operation);
            Assert.Equal(Errno.ESRCH, noRoute.Errno);

            InterfaceSysctl.SetProxyArp("tuntest0", true);
            Assert.True(InterfaceSysctl.GetProxyArp("tuntest0"));
            Assert.False(InterfaceSysctl.GetDisableXfrm("tuntest0"));
            InterfaceSysctl.SetDisableXfrm("tuntest0", true);
            Assert.True(InterfaceSysctl.GetDisableXfrm("tuntest0"));
            rtnl.SetDown("tuntest0");
            Assert.False(rtnl.GetLink("tuntest0").IsUp);
            Assert.Equal(-1, tun.TryRead(new byte[2048]));

            tun.Dispose();
            var missing = Assert.Throws<NetlinkException>(() => rtnl.GetLink("tuntest0"));
            Assert.Equal(Errno.ENODEV, missing.Errno);
            Assert.StartsWith("RTM_GETLINK(tuntest0): ENODEV (", missing.Message);
        });
    }

    [Fact]
    public void The_kernel_names_a_tun_device_when_none_is_asked_for()
    {
        if (!File.Exists(TunDevice.ClonePath))
            return;
        IsolatedNetwork.Run(() =>
        {
            using var tun = TunDevice.Open();
            Assert.StartsWith("tun", tun.Name);
            using var rtnl = RtnetlinkSocket.Open();
            Assert.Equal(tun.Name, rtnl.GetLink(tun.Name).Name);
            var second = Assert.Throws<SyscallException>(() => TunDevice.Open("lo"));
            Assert.StartsWith("TUNSETIFF(lo, IFF_TUN | IFF_NO_PI): ", second.Message);
        });
    }

    [Fact]
    public void A_connected_tunnel_socket_gets_its_peer_and_the_listener_everyone_else()
    {
        IsolatedNetwork.Run(() =>
        {
            using (var rtnl = RtnetlinkSocket.Open())
                rtnl.SetUp("lo");
            var box = new IPEndPoint(IPAddress.Parse("127.0.0.1"), L2tpUdpSockets.Port);
            var peer = new IPEndPoint(IPAddress.Parse("127.0.0.2"), L2tpUdpSockets.Port);
            using var listener = L2tpUdpSockets.OpenListener(new IPEndPoint(IPAddress.Any, L2tpUdpSockets.Port));
            using var tunnel = L2tpUdpSockets.OpenForTunnel(box, peer);
            using var peerSocket = L2tpUdpSockets.OpenForTunnel(peer, box);
            using var newPeer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            newPeer.Bind(new IPEndPoint(peer.Address, 1702));

            peerSocket.Send("hello from the tunnel's peer"u8);
            newPeer.SendTo("sccrq from a new peer"u8, box);

            Assert.Equal(("hello from the tunnel's peer", peer), Receive(tunnel));
            Assert.Equal(("sccrq from a new peer", new IPEndPoint(peer.Address, 1702)), Receive(listener));
            Assert.False(tunnel.Poll(TimeSpan.FromMilliseconds(100), SelectMode.SelectRead));
            Assert.False(listener.Poll(TimeSpan.FromMilliseconds(100), SelectMode.SelectRead));
        });
    }

    private static (string, IPEndPoint) Receive(Socket socket)
    {
        Assert.True(socket.Poll(TimeSpan.FromSeconds(5), SelectMode.SelectRead));
        var buffer = new byte[512];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int n = socket.ReceiveFrom(buffer, ref from);
        return (Encoding.ASCII.GetString(buffer, 0, n), (IPEndPoint)from);
    }

    /// <summary>The next IPv4 packet the kernel sends into the device (IPv6 router solicitations
    /// and the like are skipped).</summary>
    private static byte[] ReadIPv4(TunDevice tun)
    {
        var buffer = new byte[2048];
        for (int i = 0; i < 20; i++)
        {
            Assert.True(tun.WaitReadable(TimeSpan.FromSeconds(5)), "nothing arrived on the TUN device");
            int n = tun.TryRead(buffer);
            if (n >= 20 && buffer[0] >> 4 == 4)
                return buffer[..n];
        }
        throw new InvalidOperationException("no IPv4 packet among 20");
    }

    private static IPAddress Source(byte[] p) => new(p.AsSpan(12, 4));
    private static IPAddress Destination(byte[] p) => new(p.AsSpan(16, 4));

    private static byte[] EchoRequest(IPAddress from, IPAddress to, ushort id)
    {
        var p = new byte[28];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), 28);
        p[8] = 64;
        p[9] = 1;
        from.TryWriteBytes(p.AsSpan(12), out _);
        to.TryWriteBytes(p.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), Checksum(p.AsSpan(0, 20)));
        p[20] = 8; // echo request
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(24), id);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(26), 1);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(22), Checksum(p.AsSpan(20)));
        return p;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
