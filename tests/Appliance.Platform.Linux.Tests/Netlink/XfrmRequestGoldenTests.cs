using System.Buffers.Binary;
using System.Net;
using Appliance.Platform.Linux.Netlink;

namespace Appliance.Platform.Linux.Tests.Netlink;

/// <summary>
/// The requests the adapter builds are byte for byte what iproute2 sends for the same SA or
/// policy (GoldenCaptures.cs, captured with strace by capture-golden.sh). The sequence number
/// is taken from each capture, since ip numbers its requests by the clock.
/// </summary>
public class XfrmRequestGoldenTests
{
    internal static readonly byte[] K16 = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
    internal static readonly byte[] K20 = Convert.FromHexString("101112131415161718191a1b1c1d1e1f20212223");
    internal static readonly byte[] K24 = Convert.FromHexString("202122232425262728292a2b2c2d2e2f3031323334353637");
    internal static readonly byte[] K32 = Convert.FromHexString("404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f");
    internal static readonly byte[] KGcm = Convert.FromHexString("606162636465666768696a6b6c6d6e6fc0c1c2c3");

    internal static readonly IPAddress Box = IPAddress.Parse("203.0.113.1");
    internal static readonly IPAddress Client = IPAddress.Parse("10.77.0.2");

    private static (byte[] Golden, uint Sequence) Golden(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        return (bytes, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
    }

    private static void AssertSameBytes(byte[] expected, byte[] actual)
    {
        // Hex strings make a mismatch readable (the offset of the first difference is in the message).
        int first = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(expected.AsSpan().SequenceEqual(actual),
            $"first difference at byte {first} (expected {expected.Length} bytes, got {actual.Length})\n" +
            $"expected {Convert.ToHexString(expected).ToLowerInvariant()}\nactual   {Convert.ToHexString(actual).ToLowerInvariant()}");
    }

    [Fact]
    public void Outbound_aes_cbc_hmac_sha1_sa_with_l2tp_selector_and_lifetimes_matches_ip_xfrm()
    {
        var (golden, seq) = Golden(GoldenCaptures.SaAesCbcSha1);
        var spec = new XfrmSaSpec
        {
            Source = Box,
            Destination = Client,
            Spi = 0xc0ffee01,
            ReqId = 7,
            Cipher = XfrmCipher.AesCbc(K16),
            Integrity = XfrmIntegrity.HmacSha1_96(K20),
            Selector = XfrmSelector.L2tpFromLocal(Box, Client),
            Lifetime = new XfrmLifetime(SoftBytes: 900_000_000, HardBytes: 1_000_000_000, SoftSeconds: 3000, HardSeconds: 3600),
            ReplayWindow = 32,
        };
        AssertSameBytes(golden, XfrmMessages.NewSa(spec, seq));
    }

    [Fact]
    public void Inbound_3des_hmac_sha256_sa_with_udp_encapsulation_and_nat_oa_matches_ip_xfrm()
    {
        var (golden, seq) = Golden(GoldenCaptures.SaDes3Sha256Encap);
        var spec = new XfrmSaSpec
        {
            Source = Client,
            Destination = Box,
            Spi = 0x1234,
            ReqId = 8,
            Cipher = XfrmCipher.Des3Cbc(K24),
            Integrity = XfrmIntegrity.HmacSha256_128(K32),
            Selector = XfrmSelector.L2tpToLocal(Client, Box),
            Encapsulation = new XfrmUdpEncap(4500, 4500, IPAddress.Parse("192.168.1.20")),
        };
        AssertSameBytes(golden, XfrmMessages.NewSa(spec, seq));
    }

    [Fact]
    public void Rfc4106_gcm_sa_with_encapsulation_and_inbound_offload_matches_ip_xfrm()
    {
        var (golden, seq) = Golden(GoldenCaptures.SaGcmEncapOffload);
        var spec = new XfrmSaSpec
        {
            Source = Client,
            Destination = Box,
            Spi = 0x8badf00d,
            ReqId = 9,
            Aead = XfrmAead.Rfc4106AesGcm(KGcm),
            Selector = XfrmSelector.L2tpToLocal(Client, Box),
            Encapsulation = new XfrmUdpEncap(),
            Offload = new XfrmOffload(1, XfrmOffloadFlags.Inbound), // ifindex 1 = lo where it was captured
        };
        AssertSameBytes(golden, XfrmMessages.NewSa(spec, seq));
    }

    [Fact]
    public void Delete_sa_matches_ip_xfrm_state_delete()
    {
        var (golden, seq) = Golden(GoldenCaptures.SaDelete);
        AssertSameBytes(golden, XfrmMessages.DeleteSa(Client, 0xc0ffee01, seq));
    }

    [Fact]
    public void Get_sa_matches_ip_xfrm_state_get_and_asks_for_no_ack()
    {
        var (golden, seq) = Golden(GoldenCaptures.SaGet);
        var request = XfrmMessages.GetSa(Client, 0xc0ffee01, seq);
        AssertSameBytes(golden, request);
        Assert.Equal(NetlinkHeader.NLM_F_REQUEST, NetlinkHeader.Read(request).Flags);
    }

    [Fact]
    public void Outbound_l2tp_policy_matches_ip_xfrm_policy_add()
    {
        var (golden, seq) = Golden(GoldenCaptures.PolicyOut);
        AssertSameBytes(golden, XfrmMessages.NewPolicy(XfrmPolicySpec.L2tpOut(Box, Client, reqId: 7, priority: 2000), seq));
    }

    [Fact]
    public void Inbound_l2tp_policy_matches_ip_xfrm_policy_add()
    {
        var (golden, seq) = Golden(GoldenCaptures.PolicyIn);
        AssertSameBytes(golden, XfrmMessages.NewPolicy(XfrmPolicySpec.L2tpIn(Client, Box, reqId: 8, priority: 2000), seq));
    }

    [Fact]
    public void Delete_policy_matches_ip_xfrm_policy_delete()
    {
        var (golden, seq) = Golden(GoldenCaptures.PolicyDeleteIn);
        AssertSameBytes(golden, XfrmMessages.DeletePolicy(XfrmSelector.L2tpToLocal(Client, Box), XfrmPolicyDirection.In, seq));
    }

    [Fact]
    public void Marked_outbound_policy_matches_ip_xfrm_policy_add_with_mark()
    {
        var (golden, seq) = Golden(GoldenCaptures.PolicyOutMarked);
        var spec = new XfrmPolicySpec
        {
            Selector = XfrmSelector.L2tpFromLocal(Box, Client),
            Direction = XfrmPolicyDirection.Out,
            ReqId = 36,
            Priority = 1000,
            Mark = new XfrmMark(0x24),
        };
        AssertSameBytes(golden, XfrmMessages.NewPolicy(spec, seq));
    }

    [Fact]
    public void Blocking_policy_for_all_outbound_l2tp_matches_ip_xfrm_action_block()
    {
        var (golden, seq) = Golden(GoldenCaptures.PolicyBlockL2tpOut);
        var spec = new XfrmPolicySpec
        {
            Selector = XfrmSelector.AnyL2tpOut(),
            Direction = XfrmPolicyDirection.Out,
            ReqId = 0,
            Priority = 3000,
            Block = true,
        };
        AssertSameBytes(golden, XfrmMessages.NewPolicy(spec, seq));
    }

    [Fact]
    public void Bypass_policy_for_lan_l2tp_matches_ip_xfrm_action_allow_without_template()
    {
        var (golden, seq) = Golden(GoldenCaptures.PolicyAllowLanL2tpIn);
        var spec = new XfrmPolicySpec
        {
            Selector = new XfrmSelector(IPAddress.Parse("192.168.8.0"), IPAddress.Parse("192.168.8.1"),
                DestinationPort: XfrmSelector.L2tpPort, SourcePrefix: 24),
            Direction = XfrmPolicyDirection.In,
            ReqId = 0,
            Priority = 1500,
            Bypass = true,
        };
        AssertSameBytes(golden, XfrmMessages.NewPolicy(spec, seq));
    }

    [Fact]
    public void Deleting_a_marked_policy_names_its_mark()
    {
        var (golden, seq) = Golden(GoldenCaptures.PolicyDeleteOutMarked);
        AssertSameBytes(golden, XfrmMessages.DeletePolicy(XfrmSelector.L2tpFromLocal(Box, Client), XfrmPolicyDirection.Out, seq, new XfrmMark(0x24)));
    }

    [Fact]
    public void Sa_that_marks_its_packets_matches_ip_xfrm_output_mark()
    {
        var (golden, seq) = Golden(GoldenCaptures.SaSetMark);
        var spec = new XfrmSaSpec
        {
            Source = Client,
            Destination = Box,
            Spi = 0x2345,
            ReqId = 36,
            Cipher = XfrmCipher.AesCbc(K16),
            Integrity = XfrmIntegrity.HmacSha1_96(K20),
            Encapsulation = new XfrmUdpEncap(4500, 4500),
            SetMark = new XfrmMark(0x24),
        };
        AssertSameBytes(golden, XfrmMessages.NewSa(spec, seq));
    }

    [Fact]
    public void Every_request_is_a_whole_number_of_aligned_attributes_and_states_its_own_length()
    {
        var spec = new XfrmSaSpec
        {
            Source = Box, Destination = Client, Spi = 1, ReqId = 1,
            Aead = XfrmAead.Rfc4106AesGcm(new byte[28]), // 28 + 72 + 4: not a multiple of 4 before padding
            Selector = XfrmSelector.L2tpFromLocal(Box, Client),
        };
        var request = XfrmMessages.NewSa(spec, 42);
        Assert.Equal((uint)request.Length, NetlinkHeader.Read(request).Length);
        Assert.Equal(0, request.Length % 4);
        var message = Assert.Single(NetlinkMessage.Split(request, out bool malformed));
        Assert.False(malformed);
        var attributes = NetlinkAttribute.Parse(message.Payload[Xfrm.UserSaInfoSize..]);
        var aead = Assert.Single(attributes);
        Assert.Equal(Xfrm.XFRMA_ALG_AEAD, aead.Type);
        Assert.Equal(Xfrm.AlgoAeadHeaderSize + 28, aead.Value.Length);
    }
}
