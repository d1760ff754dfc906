using Appliance.Protocols.Ike.Wire;
using static Appliance.Protocols.Tests.Ike.Wire.WireHex;

namespace Appliance.Protocols.Tests.Ike.Wire;

/// <summary>Each structural rule, broken on purpose, gives its own reason.</summary>
public class MalformedInputTests
{
    // A 16-byte transform: next 0, length 16, #1, KEY_IKE, enc AES, hash SHA1.
    private const string TransformHex = "00 00 0010 01 01 0000 80010007 80020002";

    // A proposal holding it: next 0, length 24, #1, ISAKMP, SPI size 0, 1 transform.
    private const string ProposalHex = "00 00 0018 01 01 00 01" + TransformHex;

    private const string SaPrefix = "00000001 00000001";

    private static DecodeError Body(PayloadType type, string hex) => PayloadCodec.TryDecodeBody(type, Parse(hex), out _);

    private static DecodeError Chain(PayloadType first, byte[] data, bool allowTrailing = false) =>
        PayloadCodec.TryDecodeChain(first, data, allowTrailing, out _);

    [Fact]
    public void Valid_baseline_sa_decodes()
    {
        Assert.Equal(DecodeError.None, Body(PayloadType.SecurityAssociation, SaPrefix + ProposalHex));
    }

    // --- generic payload header ----------------------------------------------------------------

    [Theory]
    [InlineData("00 00 0000")]
    [InlineData("00 00 0003")]
    public void Payload_length_below_4_is_bad_length(string hex)
    {
        Assert.Equal(DecodeError.BadLength, Chain(PayloadType.VendorId, Parse(hex + "00000000")));
    }

    [Fact]
    public void Payload_running_past_the_data_is_truncated()
    {
        Assert.Equal(DecodeError.Truncated, Chain(PayloadType.VendorId, Parse("00 00 0015 4a131c81070358455c5728f20e95452f")));
    }

    [Fact]
    public void Chain_announcing_a_next_payload_that_is_not_there_is_truncated()
    {
        Assert.Equal(DecodeError.Truncated, Chain(PayloadType.VendorId, Parse("0d 00 0008 01020304")));
        Assert.Equal(DecodeError.Truncated, Chain(PayloadType.VendorId, Parse("0d 00 0008 01020304 0000")));
        Assert.Equal(DecodeError.Truncated, Chain(PayloadType.VendorId, []));
    }

    [Fact]
    public void Bytes_after_the_last_payload_are_garbage_unless_padding()
    {
        byte[] data = Parse("00 00 0008 01020304 00000000");
        Assert.Equal(DecodeError.TrailingGarbage, Chain(PayloadType.VendorId, data));
        Assert.Equal(DecodeError.None, Chain(PayloadType.VendorId, data, allowTrailing: true));
        Assert.Equal(DecodeError.TrailingGarbage, Chain(PayloadType.None, [0]));
    }

    [Fact]
    public void More_than_max_payloads_is_too_many()
    {
        var vids = Enumerable.Range(0, PayloadCodec.MaxPayloads).Select(i => (Payload)new VendorIdPayload([(byte)i])).ToList();
        byte[] ok = PayloadCodec.EncodeChain(vids, out var first);
        Assert.Equal(DecodeError.None, PayloadCodec.TryDecodeChain(first, ok, false, out var decoded));
        Assert.Equal(PayloadCodec.MaxPayloads, decoded.Count);

        vids.Add(new VendorIdPayload([0xff]));
        byte[] tooMany = PayloadCodec.EncodeChain(vids, out first);
        Assert.Equal(DecodeError.TooManyPayloads, PayloadCodec.TryDecodeChain(first, tooMany, false, out decoded));
        Assert.Empty(decoded);
    }

    [Theory]
    [InlineData(PayloadType.Proposal)]
    [InlineData(PayloadType.Transform)]
    public void Proposal_or_transform_at_top_level_is_misplaced(PayloadType type)
    {
        Assert.Equal(DecodeError.MisplacedPayload, Chain(type, Parse(ProposalHex)));
    }

    [Fact]
    public void Unknown_payload_types_are_kept()
    {
        // IKEv1 has no critical bit (RFC 2408 §3.2): type 99 then a VID.
        Assert.Equal(DecodeError.None, PayloadCodec.TryDecodeChain((PayloadType)99, Parse("0d 00 0006 abcd 00 00 0005 ee"), false, out var payloads));
        var unknown = Assert.IsType<UnknownPayload>(payloads[0]);
        Assert.Equal(99, unknown.RawType);
        Assert.Equal("abcd", Of(unknown.Data));
        Assert.IsType<VendorIdPayload>(payloads[1]);
    }

    // --- SA / Proposal / Transform (RFC 2408 §3.4-3.6) -------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("00000001 000000")]
    public void Sa_body_under_8_bytes_is_bad_length(string hex)
    {
        Assert.Equal(DecodeError.BadLength, Body(PayloadType.SecurityAssociation, hex));
    }

    [Fact]
    public void Sa_without_proposals_is_bad_proposal()
    {
        Assert.Equal(DecodeError.BadProposal, Body(PayloadType.SecurityAssociation, SaPrefix));
    }

    [Theory]
    [InlineData("00 00 0019 01 01 00 01" + TransformHex)]        // proposal length past the SA
    [InlineData("00 00 0007 01 01 00 01" + TransformHex)]        // proposal length under 8
    [InlineData("05 00 0018 01 01 00 01" + TransformHex)]        // next is neither 2 nor 0
    [InlineData("02 00 0018 01 01 00 01" + TransformHex)]        // says another proposal follows; none does
    [InlineData("00 00 0018 01 01 00 02" + TransformHex)]        // declares 2 transforms, has 1
    [InlineData("00 00 0018 01 01 00 00" + TransformHex)]        // declares 0 transforms
    [InlineData(ProposalHex + "00")]                             // a stray byte after the last proposal
    [InlineData("00 00 0014 01 01 00 01 00 00 0010 01 01 0000")] // proposal length beyond the SA
    [InlineData("00 00 0028 01 01 00 01" + TransformHex + TransformHex)] // 2 transforms, declared 1 (first says last)
    [InlineData("00 00 001c 01 01 00 01" + TransformHex + "00000000")] // bytes after the last transform
    [InlineData("00 00 0018 01 01 00 01")]                    // proposal header only, SA ends
    public void Broken_proposal_is_bad_proposal(string proposalHex)
    {
        Assert.Equal(DecodeError.BadProposal, Body(PayloadType.SecurityAssociation, SaPrefix + proposalHex));
    }

    [Theory]
    [InlineData("00 00 0007 01 01 0000 80010007 80020002 00")] // transform length under 8
    [InlineData("00 00 0011 01 01 0000 80010007 80020002")]    // transform length past the proposal
    [InlineData("02 00 0010 01 01 0000 80010007 80020002")]    // next is neither 3 nor 0
    public void Broken_transform_is_bad_transform(string transformHex)
    {
        int length = 8 + Parse(transformHex).Length;
        string proposal = $"00 00 {length:x4} 01 01 00 01" + transformHex;
        Assert.Equal(DecodeError.BadTransform, Body(PayloadType.SecurityAssociation, SaPrefix + proposal));
    }

    [Fact]
    public void Two_transforms_chained_declared_as_two_decode()
    {
        string proposal = "00 00 0028 01 01 00 02" + "03" + TransformHex[2..] + TransformHex;
        Assert.Equal(DecodeError.None, Body(PayloadType.SecurityAssociation, SaPrefix + proposal));
    }

    [Theory]
    [InlineData("000c 0005 00007080")]   // TLV value runs past the transform
    [InlineData("8001 0007 0000")]       // 2 stray bytes cannot hold an attribute
    [InlineData("000c ffff")]           // TLV claims 65535 bytes
    public void Broken_attribute_is_bad_attribute(string attributesHex)
    {
        int attributesLength = Parse(attributesHex).Length;
        string transform = $"00 00 {8 + attributesLength:x4} 01 01 0000" + attributesHex;
        string proposal = $"00 00 {16 + attributesLength:x4} 01 01 00 01" + transform;
        Assert.Equal(DecodeError.BadAttribute, Body(PayloadType.SecurityAssociation, SaPrefix + proposal));
    }

    [Theory]
    [InlineData(ProtocolId.Esp, 3)]
    [InlineData(ProtocolId.Esp, 0)]
    [InlineData(ProtocolId.AH, 8)]
    [InlineData(ProtocolId.Isakmp, 17)]
    [InlineData(ProtocolId.IpComp, 3)]
    public void Spi_size_that_does_not_suit_the_protocol_is_bad_spi_size(ProtocolId protocol, int spiSize)
    {
        Assert.Equal(DecodeError.BadSpiSize, Body(PayloadType.SecurityAssociation, SaPrefix + ProposalWithSpi(protocol, spiSize)));
    }

    [Theory]
    [InlineData(ProtocolId.Esp, 4)]
    [InlineData(ProtocolId.AH, 4)]
    [InlineData(ProtocolId.Isakmp, 0)]
    [InlineData(ProtocolId.Isakmp, 16)]
    [InlineData(ProtocolId.IpComp, 2)]
    [InlineData(ProtocolId.IpComp, 4)]
    [InlineData((ProtocolId)9, 7)]
    public void Spi_size_that_suits_the_protocol_decodes(ProtocolId protocol, int spiSize)
    {
        Assert.Equal(DecodeError.None, Body(PayloadType.SecurityAssociation, SaPrefix + ProposalWithSpi(protocol, spiSize)));
    }

    [Fact]
    public void Spi_size_past_the_proposal_is_bad_proposal()
    {
        // SPI size 4 in a proposal whose length leaves no room for it.
        Assert.Equal(DecodeError.BadProposal, Body(PayloadType.SecurityAssociation, SaPrefix + "00 00 0008 01 03 04 01"));
    }

    [Fact]
    public void Limits_on_proposals_transforms_and_attributes()
    {
        static Transform T(byte n, int attributes) => new(n, 1, Enumerable.Range(0, attributes).Select(i => DataAttribute.Basic((ushort)(i + 1), 1)).ToArray());
        static Payload Sa(int proposals, int transforms, int attributes) => new SecurityAssociationPayload(1, 1,
            Enumerable.Range(1, proposals).Select(p => new Proposal((byte)p, ProtocolId.Isakmp, [], Enumerable.Range(1, transforms).Select(t => T((byte)t, attributes)).ToArray())).ToArray());
        static DecodeError Decode(Payload sa) => PayloadCodec.TryDecodeBody(PayloadType.SecurityAssociation, PayloadCodec.EncodeBody(sa), out _);

        Assert.Equal(DecodeError.None, Decode(Sa(SecurityAssociationPayload.MaxProposals, 1, 1)));
        Assert.Equal(DecodeError.TooManyPayloads, Decode(Sa(SecurityAssociationPayload.MaxProposals + 1, 1, 1)));
        Assert.Equal(DecodeError.None, Decode(Sa(1, Proposal.MaxTransforms, 1)));
        Assert.Equal(DecodeError.TooManyPayloads, Decode(Sa(1, Proposal.MaxTransforms + 1, 1)));
        Assert.Equal(DecodeError.None, Decode(Sa(1, 1, Transform.MaxAttributes)));
        Assert.Equal(DecodeError.TooManyPayloads, Decode(Sa(1, 1, Transform.MaxAttributes + 1)));

        var many = new AttributePayload(1, 0, Enumerable.Range(0, AttributePayload.MaxAttributes + 1).Select(i => DataAttribute.Basic(1, 1)).ToArray());
        Assert.Equal(DecodeError.TooManyPayloads, PayloadCodec.TryDecodeBody(PayloadType.Attribute, PayloadCodec.EncodeBody(many), out _));
    }

    // --- per-type minimums and bounds -------------------------------------------------------------

    [Theory]
    [InlineData(7, DecodeError.BadLength)]
    [InlineData(8, DecodeError.None)]
    [InlineData(256, DecodeError.None)]
    [InlineData(257, DecodeError.BadLength)]
    [InlineData(0, DecodeError.BadLength)]
    public void Nonce_must_be_8_to_256_bytes(int length, DecodeError expected)
    {
        Assert.Equal(expected, PayloadCodec.TryDecodeBody(PayloadType.Nonce, new byte[length], out _));
    }

    [Theory]
    [InlineData(PayloadType.KeyExchange, 1024, DecodeError.None)]
    [InlineData(PayloadType.KeyExchange, 1025, DecodeError.PayloadTooLong)]
    [InlineData(PayloadType.Hash, 64, DecodeError.None)]
    [InlineData(PayloadType.Hash, 65, DecodeError.PayloadTooLong)]
    [InlineData(PayloadType.NatDiscovery, 65, DecodeError.PayloadTooLong)]
    [InlineData(PayloadType.NatDiscoveryDraft, 65, DecodeError.PayloadTooLong)]
    [InlineData(PayloadType.Signature, 4096, DecodeError.None)]
    [InlineData(PayloadType.VendorId, 0, DecodeError.None)]
    public void Opaque_payload_bounds(PayloadType type, int length, DecodeError expected)
    {
        Assert.Equal(expected, PayloadCodec.TryDecodeBody(type, new byte[length], out _));
    }

    [Theory]
    [InlineData(PayloadType.Identification, "011101")]
    [InlineData(PayloadType.Certificate, "")]
    [InlineData(PayloadType.CertificateRequest, "")]
    [InlineData(PayloadType.Notification, "00000001 01 00 00")]
    [InlineData(PayloadType.Notification, "00000001 01 10 8d28 0001020304050607 08090a0b0c0d0e")] // SPI size 16, 15 present
    [InlineData(PayloadType.Delete, "00000001 03 04 00")]
    [InlineData(PayloadType.Delete, "00000001 03 04 0002 01020304")]                         // 2 SPIs declared, 1 present
    [InlineData(PayloadType.Delete, "00000001 03 04 0001 01020304 05")]                      // byte after the SPIs
    [InlineData(PayloadType.NatOriginalAddress, "010000")]
    [InlineData(PayloadType.NatOriginalAddressDraft, "")]
    [InlineData(PayloadType.Fragment, "000101")]
    [InlineData(PayloadType.Attribute, "020000")]
    public void Body_under_its_minimum_or_inconsistent_is_bad_length(PayloadType type, string hex)
    {
        Assert.Equal(DecodeError.BadLength, Body(type, hex));
    }

    [Fact]
    public void Delete_count_is_bounded_before_use()
    {
        Assert.Equal(DecodeError.TooManyPayloads, Body(PayloadType.Delete, "00000001 03 04 0101"));
        Assert.Equal(DecodeError.BadSpiSize, Body(PayloadType.Delete, "00000001 03 00 0001"));
        Assert.Equal(DecodeError.BadSpiSize, Body(PayloadType.Delete, "00000001 03 00 0100"));
        Assert.Equal(DecodeError.None, Body(PayloadType.Delete, "00000001 03 00 0000"));
    }

    [Theory]
    [InlineData("01 11 06a5 c0a801")]           // IPv4 address of 3 bytes
    [InlineData("01 11 06a5 c0a8010a00")]       // IPv4 address of 5 bytes
    [InlineData("04 00 0000 0a000000")]         // IPv4 subnet without the mask
    [InlineData("05 11 06a5 c0a8010a")]         // IPv6 address of 4 bytes
    [InlineData("07 00 0000 0a000001 0a0000")]  // IPv4 range, end cut short
    public void Address_id_of_the_wrong_size_is_bad_identification(string hex)
    {
        Assert.Equal(DecodeError.BadIdentification, Body(PayloadType.Identification, hex));
    }

    [Theory]
    [InlineData("02 00 0000")]                  // FQDN may be anything, even empty
    [InlineData("0b 00 0000 00")]               // KEY_ID
    [InlineData("63 00 0000 0102")]             // type the DOI does not define
    public void Variable_id_types_are_not_size_checked(string hex)
    {
        Assert.Equal(DecodeError.None, Body(PayloadType.Identification, hex));
    }

    [Theory]
    [InlineData("01000000 c0a801")]
    [InlineData("05000000 c0a8010a")]
    [InlineData("02000000 c0a8010a")]           // RFC 3947 §5.2: only ID_IPV4_ADDR / ID_IPV6_ADDR
    public void Nat_oa_with_a_bad_address_is_bad_identification(string hex)
    {
        Assert.Equal(DecodeError.BadIdentification, Body(PayloadType.NatOriginalAddress, hex));
        Assert.Equal(DecodeError.BadIdentification, Body(PayloadType.NatOriginalAddressDraft, hex));
    }

    [Fact]
    public void Fragment_number_0_is_bad_fragment()
    {
        Assert.Equal(DecodeError.BadFragment, Body(PayloadType.Fragment, "0001 00 01 aa"));
        Assert.Equal(DecodeError.None, Body(PayloadType.Fragment, "0001 01 01"));
    }

    [Fact]
    public void Mode_config_tlv_past_the_payload_is_bad_attribute()
    {
        Assert.Equal(DecodeError.BadAttribute, Body(PayloadType.Attribute, "02 00 0001 4089 0006 616c696365"));
    }

    [Fact]
    public void Failed_body_decode_gives_no_payload()
    {
        Assert.Equal(DecodeError.BadLength, PayloadCodec.TryDecodeBody(PayloadType.Nonce, [1], out var payload));
        Assert.Null(payload);
    }

    // --- the encoder refuses what cannot be put on the wire -----------------------------------------

    [Fact]
    public void Encoder_refuses_unencodable_payloads()
    {
        Assert.Throws<ArgumentException>(() => PayloadCodec.EncodeChain([new UnknownPayload(0, [])], out _));
        Assert.Throws<ArgumentException>(() => PayloadCodec.EncodeChain([new VendorIdPayload(new byte[Payload.MaxBodyLength + 1])], out _));
        Assert.Throws<ArgumentException>(() => PayloadCodec.EncodeBody(new DeletePayload(1, ProtocolId.Esp, 4, [[1, 2, 3]])));
        Assert.Throws<ArgumentException>(() => PayloadCodec.EncodeBody(new NotificationPayload(1, ProtocolId.Esp, 1, new byte[256], [])));
        Assert.Throws<ArgumentException>(() => PayloadCodec.EncodeBody(new SecurityAssociationPayload(1, 1, [new Proposal(1, ProtocolId.Esp, new byte[256], [])])));

        // The largest body that fits is fine.
        Assert.Equal(ushort.MaxValue, PayloadCodec.EncodeChain([new VendorIdPayload(new byte[Payload.MaxBodyLength])], out _).Length);
    }

    private static string ProposalWithSpi(ProtocolId protocol, int spiSize)
    {
        string spi = Of(new byte[spiSize]);
        return $"00 00 {8 + spiSize + 16:x4} 01 {(byte)protocol:x2} {spiSize:x2} 01" + spi + TransformHex;
    }
}
