using System.Security.Cryptography;
using Appliance.Protocols.Ike.Wire;
using static Appliance.Protocols.Tests.Ike.Wire.WireHex;

namespace Appliance.Protocols.Tests.Ike.Wire;

/// <summary>
/// The vendor IDs are recomputed from their source strings here, not trusted from memory. Sources
/// of the strings: RFC 3947 §3.1 ("RFC 3947"); the NAT-T drafts and the Microsoft, XAUTH, Unity and
/// strongSwan strings as listed in ike-scan 1.9.5's ike-vendor-ids file; DPD from RFC 3706 §5.1.
/// </summary>
public class KnownVendorIdsTests
{
    public static IEnumerable<object[]> Md5Ids() =>
    [
        ["RFC 3947", nameof(KnownVendorIds.NatTraversalRfc3947)],
        ["draft-ietf-ipsec-nat-t-ike", nameof(KnownVendorIds.NatTraversalDraftUnversioned)],
        ["draft-ietf-ipsec-nat-t-ike-00", nameof(KnownVendorIds.NatTraversalDraft00)],
        ["draft-ietf-ipsec-nat-t-ike-01", nameof(KnownVendorIds.NatTraversalDraft01)],
        ["draft-ietf-ipsec-nat-t-ike-02", nameof(KnownVendorIds.NatTraversalDraft02)],
        ["draft-ietf-ipsec-nat-t-ike-02\n", nameof(KnownVendorIds.NatTraversalDraft02Newline)],
        ["draft-ietf-ipsec-nat-t-ike-03", nameof(KnownVendorIds.NatTraversalDraft03)],
        ["draft-ietf-ipsec-nat-t-ike-04", nameof(KnownVendorIds.NatTraversalDraft04)],
        ["draft-ietf-ipsec-nat-t-ike-05", nameof(KnownVendorIds.NatTraversalDraft05)],
        ["draft-ietf-ipsec-nat-t-ike-06", nameof(KnownVendorIds.NatTraversalDraft06)],
        ["draft-ietf-ipsec-nat-t-ike-07", nameof(KnownVendorIds.NatTraversalDraft07)],
        ["draft-ietf-ipsec-nat-t-ike-08", nameof(KnownVendorIds.NatTraversalDraft08)],
        ["FRAGMENTATION", nameof(KnownVendorIds.Fragmentation)],
        ["MS NT5 ISAKMPOAKLEY", nameof(KnownVendorIds.MicrosoftNt5Prefix)],
        ["MS-Negotiation Discovery Capable", nameof(KnownVendorIds.MicrosoftNegotiationDiscoveryCapable)],
        ["Vid-Initial-Contact", nameof(KnownVendorIds.MicrosoftInitialContact)],
        ["IKE CGA version 1", nameof(KnownVendorIds.MicrosoftIkeCga)],
        ["MS-MamieExists", nameof(KnownVendorIds.MicrosoftMamieExists)],
        ["strongSwan", nameof(KnownVendorIds.StrongSwan)],
    ];

    private static byte[] Get(string name) => name switch
    {
        nameof(KnownVendorIds.NatTraversalRfc3947) => KnownVendorIds.NatTraversalRfc3947.ToArray(),
        nameof(KnownVendorIds.NatTraversalDraftUnversioned) => KnownVendorIds.NatTraversalDraftUnversioned.ToArray(),
        nameof(KnownVendorIds.NatTraversalDraft00) => KnownVendorIds.NatTraversalDraft00.ToArray(),
        nameof(KnownVendorIds.NatTraversalDraft01) => KnownVendorIds.NatTraversalDraft01.ToArray(),
        nameof(KnownVendorIds.NatTraversalDraft02) => KnownVendorIds.NatTraversalDraft02.ToArray(),
        nameof(KnownVendorIds.NatTraversalDraft02Newline) => KnownVendorIds.NatTraversalDraft02Newline.ToArray(),
        nameof(KnownVendorIds.NatTraversalDraft03) => KnownVendorIds.NatTraversalDraft03.ToArray(),
        nameof(KnownVendorIds.NatTraversalDraft04) => KnownVendorIds.NatTraversalDraft04.ToArray(),
        nameof(KnownVendorIds.NatTraversalDraft05) => KnownVendorIds.NatTraversalDraft05.ToArray(),
        nameof(KnownVendorIds.NatTraversalDraft06) => KnownVendorIds.NatTraversalDraft06.ToArray(),
        nameof(KnownVendorIds.NatTraversalDraft07) => KnownVendorIds.NatTraversalDraft07.ToArray(),
        nameof(KnownVendorIds.NatTraversalDraft08) => KnownVendorIds.NatTraversalDraft08.ToArray(),
        nameof(KnownVendorIds.Fragmentation) => KnownVendorIds.Fragmentation.ToArray(),
        nameof(KnownVendorIds.MicrosoftNt5Prefix) => KnownVendorIds.MicrosoftNt5Prefix.ToArray(),
        nameof(KnownVendorIds.MicrosoftNegotiationDiscoveryCapable) => KnownVendorIds.MicrosoftNegotiationDiscoveryCapable.ToArray(),
        nameof(KnownVendorIds.MicrosoftInitialContact) => KnownVendorIds.MicrosoftInitialContact.ToArray(),
        nameof(KnownVendorIds.MicrosoftIkeCga) => KnownVendorIds.MicrosoftIkeCga.ToArray(),
        nameof(KnownVendorIds.MicrosoftMamieExists) => KnownVendorIds.MicrosoftMamieExists.ToArray(),
        nameof(KnownVendorIds.StrongSwan) => KnownVendorIds.StrongSwan.ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Md5Ids))]
    public void Id_is_the_md5_of_its_source_string(string source, string name)
    {
        Assert.Equal(Of(MD5.HashData(Ascii(source))), Of(Get(name)));
    }

    [Fact]
    public void Xauth_is_the_truncated_md5_of_the_draft_file_name()
    {
        Assert.Equal(Of(MD5.HashData(Ascii("draft-ietf-ipsra-isakmp-xauth-06.txt")).AsSpan(0, 8)), Of(KnownVendorIds.Xauth));
    }

    [Fact]
    public void Cisco_unity_is_its_md5_with_version_1_0_in_the_last_two_bytes()
    {
        byte[] expected = MD5.HashData(Ascii("CISCO-UNITY"));
        expected[14] = 1;
        expected[15] = 0;
        Assert.Equal(Of(expected), Of(KnownVendorIds.CiscoUnity));
    }

    [Fact]
    public void Dpd_is_the_rfc_3706_value()
    {
        // RFC 3706 §5.1 prints the 16 bytes; not derived from a string.
        Assert.Equal("afcad71368a1f1c96b8696fc77570100", Of(KnownVendorIds.DeadPeerDetection));
    }

    [Theory]
    [MemberData(nameof(Md5Ids))]
    public void Identify_names_each_exact_id(string source, string name)
    {
        Assert.NotNull(source);
        var kind = KnownVendorIds.Identify(Get(name));
        Assert.NotEqual(KnownVendor.Unknown, kind);
        if (name != nameof(KnownVendorIds.MicrosoftNt5Prefix) && name != nameof(KnownVendorIds.NatTraversalDraftUnversioned))
        {
            Assert.Equal(name, kind.ToString());
        }
    }

    [Fact]
    public void Identify_applies_the_prefix_rules()
    {
        Assert.Equal(KnownVendor.Fragmentation, KnownVendorIds.Identify(KnownVendorIds.FragmentationWithFlags));
        Assert.Equal(KnownVendor.Fragmentation, KnownVendorIds.Identify(Parse("4048b7d56ebce88525e7de7f00d6c2d3 80000000")));
        Assert.Equal(KnownVendor.DeadPeerDetection, KnownVendorIds.Identify(Parse("afcad71368a1f1c96b8696fc77570100")));
        Assert.Equal(KnownVendor.DeadPeerDetection, KnownVendorIds.Identify(Parse("afcad71368a1f1c96b8696fc77570201")));
        Assert.Equal(KnownVendor.MicrosoftNt5, KnownVendorIds.Identify(Parse("1e2b516905991c7d7c96fcbfb587e461 00000009")));
        Assert.Equal(8u, KnownVendorIds.GetMicrosoftNt5Version(Parse("1e2b516905991c7d7c96fcbfb587e461 00000008")));
        Assert.Null(KnownVendorIds.GetMicrosoftNt5Version(KnownVendorIds.NatTraversalRfc3947));
        Assert.Equal(KnownVendor.Xauth, KnownVendorIds.Identify(Parse("09002689dfd6b712")));
        Assert.Equal(KnownVendor.CiscoUnity, KnownVendorIds.Identify(KnownVendorIds.CiscoUnity));
        Assert.Equal(KnownVendor.NatTraversalDraftUnversioned, KnownVendorIds.Identify(KnownVendorIds.NatTraversalDraftUnversioned));
    }

    [Fact]
    public void Identify_does_not_guess()
    {
        Assert.Equal(KnownVendor.Unknown, KnownVendorIds.Identify([]));
        Assert.Equal(KnownVendor.Unknown, KnownVendorIds.Identify(KnownVendorIds.NatTraversalRfc3947[..15]));
        Assert.Equal(KnownVendor.Unknown, KnownVendorIds.Identify(Parse("09002689dfd6b71200")));
        Assert.Equal(KnownVendor.Unknown, KnownVendorIds.Identify(Parse("4048b7d56ebce88525e7de7f00d6c2d3 8000")));
        Assert.Equal(KnownVendor.Unknown, KnownVendorIds.Identify(MD5.HashData(Ascii("strongSwan 5.9.14"))));
    }
}
