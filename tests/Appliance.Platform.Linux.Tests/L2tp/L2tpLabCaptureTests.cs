using Appliance.Platform.Linux.L2tp;
using Appliance.Platform.Linux.Netlink;
using Appliance.Platform.Linux.Rtnetlink;

namespace Appliance.Platform.Linux.Tests.L2tp;

/// <summary>
/// The parsers against answers Debian's 6.1 kernel really sent (L2tpLabCaptures, from the lab):
/// the "l2tp" family, a session after three pings over ppp0 (the counters the lab driver's own
/// GetSession printed at that moment), and the ppp0 link; then every cut and a few thousand
/// seeded random mutations of each, none of which may make a parser throw.
/// </summary>
public class L2tpLabCaptureTests
{
    private static NetlinkMessage Single(byte[] datagram)
    {
        var message = Assert.Single(NetlinkMessage.Split(datagram, out bool malformed));
        Assert.False(malformed);
        return message;
    }

    [Fact]
    public void The_kernels_family_answer_gives_l2tp_its_id_and_version()
    {
        Assert.True(GenericNetlink.TryParseFamily(Single(L2tpLabCaptures.FamilyReply), out var family));
        Assert.Equal(new GenericNetlinkFamily("l2tp", 0x20, 1), family);
    }

    [Fact]
    public void The_kernels_session_answer_gives_ids_lns_mode_and_the_counters_of_three_pings()
    {
        Assert.True(L2tpMessages.TryParseSession(Single(L2tpLabCaptures.SessionReply), 0x20, out var s));
        Assert.Equal(new L2tpSessionInfo(10, 100, 20, 200, L2tpGenl.L2TP_PWTYPE_PPP, true, null,
            new L2tpSessionStats(TxPackets: 3, TxBytes: 282, TxErrors: 0, RxPackets: 3, RxBytes: 282, RxErrors: 0,
                RxSequenceDiscards: 0, RxOutOfSequence: 0, RxCookieDiscards: 0, RxInvalid: 0)), s);
    }

    [Fact]
    public void The_kernels_link_answer_gives_ppp0_up_with_mtu_1400()
    {
        Assert.True(RtnetlinkMessages.TryParseLink(Single(L2tpLabCaptures.Ppp0Link), out var link));
        Assert.Equal("ppp0", link!.Name);
        Assert.Equal(3, link.Index);
        Assert.Equal(1400u, link.Mtu);
        Assert.True(link.IsUp);
        Assert.NotEqual(0u, link.Flags & Rtnl.IFF_POINTOPOINT);
    }

    public static TheoryData<string> Captures => new() { nameof(L2tpLabCaptures.FamilyReply), nameof(L2tpLabCaptures.SessionReply), nameof(L2tpLabCaptures.Ppp0Link) };

    private static byte[] Capture(string name) => name switch
    {
        nameof(L2tpLabCaptures.FamilyReply) => L2tpLabCaptures.FamilyReply,
        nameof(L2tpLabCaptures.SessionReply) => L2tpLabCaptures.SessionReply,
        _ => L2tpLabCaptures.Ppp0Link,
    };

    /// <summary>Runs every parser on whatever the datagram splits into.</summary>
    private static void ParseAll(ReadOnlyMemory<byte> datagram)
    {
        foreach (var message in NetlinkMessage.Split(datagram))
        {
            _ = GenericNetlink.TryParseFamily(message, out _);
            _ = L2tpMessages.TryParseSession(message, 0x20, out _);
            _ = RtnetlinkMessages.TryParseLink(message, out _);
            _ = NetlinkError.TryParse(message, out _);
            if (GenericNetlink.TryReadHeader(message, out _, out _, out var attributes))
            {
                foreach (var a in attributes)
                    _ = NetlinkAttribute.Parse(a.Value); // as if each were nested
            }
        }
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Every_cut_of_a_kernel_answer_is_survived(string name)
    {
        var bytes = Capture(name);
        for (int length = 0; length < bytes.Length; length++)
        {
            ParseAll(bytes.AsMemory(0, length));
            // And with the header's length claiming exactly the cut.
            var relabelled = bytes[..length];
            if (length >= 4)
                BitConverter.TryWriteBytes(relabelled.AsSpan(0, 4), length);
            ParseAll(relabelled);
        }
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Random_mutations_of_a_kernel_answer_are_survived(string name)
    {
        var original = Capture(name);
        var random = new Random(1701); // seeded: a failure reproduces
        for (int round = 0; round < 3000; round++)
        {
            var bytes = (byte[])original.Clone();
            int flips = random.Next(1, 8);
            for (int i = 0; i < flips; i++)
            {
                int at = random.Next(bytes.Length);
                // Attribute and message lengths are where parsers break: hit them with extremes too.
                bytes[at] = random.Next(4) switch { 0 => 0, 1 => 0xff, _ => (byte)random.Next(256) };
            }
            ParseAll(bytes);
        }
    }
}
