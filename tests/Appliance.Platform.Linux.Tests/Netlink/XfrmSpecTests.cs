using System.Net;
using System.Net.Sockets;
using Appliance.Platform.Linux.Netlink;

namespace Appliance.Platform.Linux.Tests.Netlink;

/// <summary>What the adapter refuses before anything reaches the kernel, and the two calls that
/// can be tried on any Linux machine (the host kernel here has XFRM but no esp4).</summary>
public class XfrmSpecTests
{
    private static readonly IPAddress A = IPAddress.Parse("198.51.100.1");
    private static readonly IPAddress B = IPAddress.Parse("198.51.100.2");

    private static XfrmSaSpec Valid() => new()
    {
        Source = A,
        Destination = B,
        Spi = 0x100,
        ReqId = 1,
        Cipher = XfrmCipher.AesCbc(new byte[16]),
        Integrity = XfrmIntegrity.HmacSha1_96(new byte[20]),
        Selector = XfrmSelector.L2tpFromLocal(A, B),
    };

    [Fact]
    public void Key_lengths_are_checked_per_algorithm()
    {
        Assert.Throws<ArgumentException>(() => XfrmCipher.AesCbc(new byte[15]));
        Assert.Throws<ArgumentException>(() => XfrmCipher.Des3Cbc(new byte[16]));
        Assert.Throws<ArgumentException>(() => XfrmIntegrity.HmacSha1_96(new byte[32]));
        Assert.Throws<ArgumentException>(() => XfrmIntegrity.HmacSha256_128(new byte[20]));
        Assert.Throws<ArgumentException>(() => XfrmAead.Rfc4106AesGcm(new byte[16])); // salt missing
        Assert.Throws<ArgumentOutOfRangeException>(() => XfrmAead.Rfc4106AesGcm(new byte[20], icvBits: 100));
        Assert.Equal(256, XfrmCipher.AesCbc(new byte[32]).KeyBits);
        Assert.Equal(288, XfrmAead.Rfc4106AesGcm(new byte[36]).KeyBits);
    }

    [Fact]
    public void Algorithm_names_must_fit_the_kernels_64_byte_field()
    {
        Assert.Throws<ArgumentException>(() => new XfrmCipher(new string('a', 64), new byte[16]));
        Assert.Throws<ArgumentException>(() => new XfrmCipher("cbc(aes)\0", new byte[16]));
    }

    [Fact]
    public void An_sa_has_either_aead_or_cipher_and_integrity()
    {
        var aead = XfrmAead.Rfc4106AesGcm(new byte[20]);
        var v = Valid();
        Assert.Throws<ArgumentException>(() => XfrmMessages.NewSa(new XfrmSaSpec { Source = A, Destination = B, Spi = 1, Cipher = v.Cipher, Integrity = v.Integrity, Aead = aead }, 1));
        Assert.Throws<ArgumentException>(() => XfrmMessages.NewSa(new XfrmSaSpec { Source = A, Destination = B, Spi = 1, Cipher = v.Cipher }, 1));
        Assert.Throws<ArgumentException>(() => XfrmMessages.NewSa(new XfrmSaSpec { Source = A, Destination = B, Spi = 1 }, 1));
        Assert.NotEmpty(XfrmMessages.NewSa(new XfrmSaSpec { Source = A, Destination = B, Spi = 1, Aead = aead }, 1));
    }

    [Fact]
    public void Ipv6_and_esn_sized_windows_are_refused()
    {
        var v6 = IPAddress.IPv6Loopback;
        var v = Valid();
        Assert.Throws<ArgumentException>(() => XfrmMessages.NewSa(new XfrmSaSpec { Source = v6, Destination = B, Spi = 1, Cipher = v.Cipher, Integrity = v.Integrity }, 1));
        Assert.Throws<ArgumentException>(() => XfrmMessages.NewSa(new XfrmSaSpec { Source = A, Destination = B, Spi = 1, Cipher = v.Cipher, Integrity = v.Integrity, ReplayWindow = 64 }, 1));
        Assert.Throws<ArgumentException>(() => XfrmMessages.DeleteSa(v6, 1, 1));
        Assert.Throws<ArgumentException>(() => XfrmMessages.DeletePolicy(new XfrmSelector(A, v6), XfrmPolicyDirection.In, 1));
        Assert.Throws<ArgumentException>(() => XfrmMessages.NewPolicy(new XfrmPolicySpec { Selector = new XfrmSelector(A, B, SourcePrefix: 33), Direction = XfrmPolicyDirection.Out, ReqId = 1 }, 1));
    }

    [Fact]
    public void L2tp_selectors_put_port_1701_on_our_side_and_leave_the_clients_port_open()
    {
        var outbound = XfrmPolicySpec.L2tpOut(A, B, 5);
        Assert.Equal((A, (ushort)1701, B, (ushort)0, Xfrm.IPPROTO_UDP), (outbound.Selector.Source, outbound.Selector.SourcePort, outbound.Selector.Destination, outbound.Selector.DestinationPort, outbound.Selector.Protocol));
        var inbound = XfrmPolicySpec.L2tpIn(B, A, 6);
        Assert.Equal((B, (ushort)0, A, (ushort)1701), (inbound.Selector.Source, inbound.Selector.SourcePort, inbound.Selector.Destination, inbound.Selector.DestinationPort));
        Assert.Equal((XfrmPolicyDirection.In, 6u, XfrmMode.Transport), (inbound.Direction, inbound.ReqId, inbound.Mode));
    }

    [Fact]
    public void Descriptions_never_show_keys()
    {
        var key = Convert.FromHexString("deadbeefdeadbeefdeadbeefdeadbeef");
        var spec = new XfrmSaSpec
        {
            Source = A, Destination = B, Spi = 0xc0ffee01, ReqId = 1,
            Cipher = XfrmCipher.AesCbc(key), Integrity = XfrmIntegrity.HmacSha1_96(new byte[20]),
            Encapsulation = new XfrmUdpEncap(4500, 4500),
        };
        string text = spec.ToString();
        Assert.DoesNotContain("dead", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("esp spi 0xc0ffee01 198.51.100.1 -> 198.51.100.2", text);
        Assert.Contains("cbc(aes) (128-bit key) + hmac(sha1) (160-bit key, 96-bit ICV) encap espinudp 4500->4500", text);
    }

    [Theory]
    [InlineData(3, "ESRCH")]
    [InlineData(17, "EEXIST")]
    [InlineData(93, "EPROTONOSUPPORT")]
    [InlineData(1, "EPERM")]
    [InlineData(4242, "errno 4242")]
    public void Errno_values_have_their_names(int errno, string name) => Assert.Equal(name, Errno.Name(errno));

    [Fact]
    public void The_host_kernel_answers_a_getsa_for_a_missing_sa_with_an_errno()
    {
        // Read-only: leaves the machine's XFRM state alone. ESRCH as root, EPERM without CAP_NET_ADMIN.
        NetlinkException e;
        try
        {
            using var xfrm = XfrmSocket.Open();
            Assert.NotEqual(0u, xfrm.PortId);
            e = Assert.Throws<NetlinkException>(() => xfrm.GetSaCounters(IPAddress.Parse("203.0.113.254"), 0xfeedf00d));
        }
        catch (NetlinkException open) when (open.Operation.StartsWith("socket", StringComparison.Ordinal))
        {
            return; // no NETLINK_XFRM in this kernel: nothing to ask
        }
        Assert.Contains(e.Errno, new[] { Errno.ESRCH, Errno.EPERM });
        Assert.StartsWith("XFRM_MSG_GETSA: " + e.ErrnoName + " (", e.Message);
    }

    [Fact]
    public void A_subscribed_socket_with_nothing_expiring_returns_no_expire()
    {
        XfrmSocket xfrm;
        try { xfrm = XfrmSocket.Open(); }
        catch (NetlinkException) { return; }
        using (xfrm)
        {
            try { xfrm.SubscribeExpire(); }
            catch (NetlinkException e) when (e.Errno == Errno.EPERM) { return; } // not root
            Assert.Null(xfrm.ReceiveExpire(TimeSpan.FromMilliseconds(50)));
            Assert.Null(xfrm.ReceiveExpire(TimeSpan.Zero));
        }
    }

    [Fact]
    public void A_disposed_socket_refuses_requests()
    {
        XfrmSocket xfrm;
        try { xfrm = XfrmSocket.Open(); }
        catch (NetlinkException) { return; }
        xfrm.Dispose();
        xfrm.Dispose();
        Assert.Throws<ObjectDisposedException>(() => xfrm.DeleteSa(B, 1));
        Assert.Throws<InvalidOperationException>(() => xfrm.ReceiveExpire(TimeSpan.Zero));
    }

    [Fact]
    public void Udp_encapsulation_can_be_enabled_on_a_bound_udp_socket_only()
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        UdpEncapSocket.Enable(udp);
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<ArgumentException>(() => UdpEncapSocket.Enable(tcp));
    }
}
