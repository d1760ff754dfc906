using Appliance.Protocols.Ike.Wire;
using static Appliance.Protocols.Tests.Ike.Wire.WireHex;

namespace Appliance.Protocols.Tests.Ike.Wire;

/// <summary>
/// Golden bytes: a Main Mode message 1 written out by hand from RFC 2408/2409 layouts (see
/// <see cref="Samples.MainMode1Hex"/>), and two messages captured from ike-scan, a real initiator.
/// </summary>
public class GoldenMessageTests
{
    [Fact]
    public void Encoder_produces_the_hand_built_main_mode_1_exactly()
    {
        byte[] encoded = IkeMessage.Encode(Samples.MainModeHeader, Samples.MainMode1Payloads());
        Assert.Equal(Norm(Samples.MainMode1Hex), Of(encoded));
    }

    [Fact]
    public void Hand_built_main_mode_1_decodes_to_the_offer()
    {
        byte[] data = Parse(Samples.MainMode1Hex);
        Assert.Equal(DecodeError.None, IkeMessage.TryDecode(data, out var header, out var payloads));

        Assert.Equal(Samples.InitiatorCookie, header.InitiatorCookie);
        Assert.Equal(0UL, header.ResponderCookie);
        Assert.Equal(ExchangeType.IdentityProtection, header.Exchange);
        Assert.Equal(PayloadType.SecurityAssociation, header.NextPayload);
        Assert.Equal(1, header.MajorVersion);
        Assert.Equal(212u, header.Length);
        Assert.False(header.IsEncrypted);

        Assert.Equal(5, payloads.Count);
        var sa = Assert.IsType<SecurityAssociationPayload>(payloads[0]);
        Assert.Equal(Doi.Ipsec, sa.Doi);
        Assert.Equal(Situation.IdentityOnly, sa.Situation);
        var proposal = Assert.Single(sa.Proposals);
        Assert.Equal(ProtocolId.Isakmp, proposal.Protocol);
        Assert.Empty(proposal.Spi);
        Assert.Equal(2, proposal.Transforms.Count);

        var first = proposal.Transforms[0];
        Assert.Equal(1, first.Number);
        Assert.Equal(IkeTransformIds.KeyIke, first.TransformId);
        Assert.True(first.TryGetAttribute(AttributeType.KeyLength, out var keyLength));
        Assert.Equal(256UL, keyLength.AsInteger);
        Assert.True(keyLength.IsBasic);
        Assert.True(first.TryGetAttribute(AttributeType.LifeDuration, out var life));
        Assert.False(life.IsBasic);
        Assert.Equal(28800UL, life.AsInteger);
        Assert.Equal(28800UL, life.Value);
        Assert.Equal("00007080", Of(life.LongValue));
        Assert.True(first.TryGetAttribute(AttributeType.GroupDescription, out var group));
        Assert.Equal(GroupDescription.Modp2048, group.Value);
        Assert.Equal(128UL, proposal.Transforms[1].Attributes[1].Value);

        var kinds = payloads.Skip(1).Select(p => KnownVendorIds.Identify(Assert.IsType<VendorIdPayload>(p).Data)).ToArray();
        Assert.Equal([KnownVendor.NatTraversalRfc3947, KnownVendor.NatTraversalDraft02Newline, KnownVendor.Fragmentation, KnownVendor.MicrosoftNt5], kinds);
        Assert.Equal(9u, KnownVendorIds.GetMicrosoftNt5Version(((VendorIdPayload)payloads[4]).Data));
    }

    [Fact]
    public void Ike_scan_main_mode_decodes_and_reencodes_byte_for_byte()
    {
        byte[] data = Parse(Samples.IkeScanMainModeHex);
        Assert.Equal(DecodeError.None, IkeMessage.TryDecode(data, out var header, out var payloads));
        Assert.Equal(0xcff8ce0a93162126UL, header.InitiatorCookie);
        Assert.Equal(164u, header.Length);

        Assert.Collection(payloads,
            p =>
            {
                var sa = Assert.IsType<SecurityAssociationPayload>(p);
                var transforms = Assert.Single(sa.Proposals).Transforms;
                Assert.Equal(2, transforms.Count);

                // --trans=7/256,2,1,14: AES-256 / SHA1 / PSK / group 14; ike-scan puts Key Length after the group.
                Assert.Equal(
                    [(1, 7UL), (2, 2UL), (3, 1UL), (4, 14UL), (14, 256UL), (11, 1UL), (12, 28800UL)],
                    transforms[0].Attributes.Select(a => ((int)a.Type, a.AsInteger)));

                // --trans=5,2,1,2: 3DES / SHA1 / PSK / group 2.
                Assert.Equal(EncryptionAlgorithm.TripleDesCbc, transforms[1].Attributes[0].Value);
                Assert.Equal(GroupDescription.Modp1024, transforms[1].Attributes[3].Value);
            },
            p => Assert.Equal(KnownVendor.NatTraversalRfc3947, KnownVendorIds.Identify(Assert.IsType<VendorIdPayload>(p).Data)),
            p => Assert.Equal(KnownVendor.DeadPeerDetection, KnownVendorIds.Identify(Assert.IsType<VendorIdPayload>(p).Data)));

        Assert.Equal(Of(data), Of(IkeMessage.Encode(header, payloads)));
    }

    [Fact]
    public void Ike_scan_aggressive_mode_decodes_and_reencodes_byte_for_byte()
    {
        byte[] data = Parse(Samples.IkeScanAggressiveHex);
        Assert.Equal(DecodeError.None, IkeMessage.TryDecode(data, out var header, out var payloads));
        Assert.Equal(ExchangeType.Aggressive, header.Exchange);

        Assert.Equal([PayloadType.SecurityAssociation, PayloadType.KeyExchange, PayloadType.Nonce, PayloadType.Identification], payloads.Select(p => p.Type));
        Assert.Equal(128, ((KeyExchangePayload)payloads[1]).Data.Length);
        Assert.Equal(20, ((NoncePayload)payloads[2]).Data.Length);
        var id = (IdentificationPayload)payloads[3];
        Assert.Equal(IdType.UserFqdn, id.IdType);
        Assert.Equal(17, id.ProtocolId);
        Assert.Equal(500, id.Port);
        Assert.Equal("client@example.com", System.Text.Encoding.ASCII.GetString(id.Data));

        Assert.Equal(Of(data), Of(IkeMessage.Encode(header, payloads)));
    }

    [Fact]
    public void Windows_quick_mode_with_two_nat_oa_payloads_decodes()
    {
        byte[] body = PayloadCodec.EncodeChain(Samples.QuickMode1Payloads(), out var first);
        Assert.Equal(PayloadType.Hash, first);

        Assert.Equal(DecodeError.None, PayloadCodec.TryDecodeChain(first, body, allowTrailing: false, out var payloads));
        var natOa = payloads.OfType<NatOriginalAddressPayload>().ToArray();
        Assert.Equal(2, natOa.Length);
        Assert.Equal("c0a8010a", Of(natOa[0].Address));
        Assert.Equal("cb007105", Of(natOa[1].Address));
        Assert.All(natOa, p => Assert.Equal(PayloadType.NatOriginalAddress, p.Type));

        var proposal = Assert.Single(((SecurityAssociationPayload)payloads[1]).Proposals);
        Assert.Equal(ProtocolId.Esp, proposal.Protocol);
        Assert.Equal("c0ffee01", Of(proposal.Spi));
        var lifetimes = proposal.Transforms[0].Attributes.Where(a => a.Type == AttributeType.SaLifeDuration).Select(a => a.AsInteger);
        Assert.Equal([3600UL, 250000UL], lifetimes);
        Assert.True(proposal.Transforms[0].TryGetAttribute(AttributeType.Ipsec.KeyLength, out var keyLength));
        Assert.Equal(256UL, keyLength.Value);
    }
}
