using Appliance.Protocols.Ike.Wire;
using static Appliance.Protocols.Tests.Ike.Wire.WireHex;

namespace Appliance.Protocols.Tests.Ike.Wire;

/// <summary>Every payload type: encode, decode, and the decoded value encodes to the same bytes.</summary>
public class PayloadRoundTripTests
{
    public static IEnumerable<object[]> EveryPayload()
    {
        var all = Samples.MainMode1Payloads()
            .Concat(Samples.QuickMode1Payloads())
            .Concat(Samples.MainMode3DraftPayloads())
            .Concat(Samples.InformationalPayloads())
            .Concat(Samples.XauthReplyPayloads())
            .Concat(Samples.MainMode5CertificatePayloads())
            .Concat(Samples.FragmentPayloads())
            .Append(new NatDiscoveryPayload(Seq(32), Draft: false))
            .Append(new NatOriginalAddressPayload(IdType.Ipv6Address, Seq(16), Draft: true))
            .Append(new IdentificationPayload(IdType.Ipv4AddressSubnet, 0, 0, [10, 0, 0, 0, 255, 255, 255, 0]))
            .Append(new IdentificationPayload(IdType.Fqdn, 17, 500, Ascii("vpn.example.com")))
            .Append(new IdentificationPayload(IdType.Ipv6Address, 17, 1701, Seq(16)))
            .Append(new DeletePayload(Doi.Ipsec, ProtocolId.Esp, 4, []));
        return all.Select(p => new object[] { p.GetType().Name + " " + Of(PayloadCodec.EncodeBody(p)).Length / 2, p });
    }

    [Theory]
    [MemberData(nameof(EveryPayload))]
    public void Payload_round_trips(string name, Payload payload)
    {
        Assert.NotNull(name);
        byte[] chain = PayloadCodec.EncodeChain([payload], out var first);
        Assert.Equal(payload.Type, first);

        // Generic header: next 0, reserved 0, length = 4 + body.
        byte[] body = PayloadCodec.EncodeBody(payload);
        Assert.Equal(Of([0, 0, (byte)(chain.Length >> 8), (byte)chain.Length, .. body]), Of(chain));

        Assert.Equal(DecodeError.None, PayloadCodec.TryDecodeChain(first, chain, allowTrailing: false, out var decoded));
        var single = Assert.Single(decoded);
        Assert.Equal(payload.GetType(), single.GetType());
        Assert.Equal(payload.Type, single.Type);
        Assert.Equal(Of(body), Of(PayloadCodec.EncodeBody(single)));

        Assert.Equal(DecodeError.None, PayloadCodec.TryDecodeBody(payload.Type, body, out var direct));
        Assert.Equal(Of(body), Of(PayloadCodec.EncodeBody(direct!)));
    }

    [Fact]
    public void Fields_survive_for_the_payloads_with_structure()
    {
        var notification = RoundTrip(new NotificationPayload(Doi.Ipsec, ProtocolId.Isakmp, NotifyType.RUThere, Seq(16), [0, 0, 0, 7]));
        Assert.Equal((Doi.Ipsec, ProtocolId.Isakmp, NotifyType.RUThere), (notification.Doi, notification.Protocol, notification.MessageType));
        Assert.Equal(Of(Seq(16)), Of(notification.Spi));
        Assert.Equal("00000007", Of(notification.Data));

        var delete = RoundTrip(new DeletePayload(Doi.Ipsec, ProtocolId.Esp, 4, [[1, 2, 3, 4], [9, 9, 9, 9]]));
        Assert.Equal(4, delete.SpiSize);
        Assert.Equal(["01020304", "09090909"], delete.Spis.Select(s => Of(s)));

        var fragment = RoundTrip(new FragmentPayload(0xbeef, 3, FragmentPayload.LastFragmentFlag, Seq(10)));
        Assert.Equal((0xbeef, 3, true), (fragment.FragmentId, fragment.Number, fragment.IsLast));

        var natOa = RoundTrip(new NatOriginalAddressPayload(IdType.Ipv4Address, [10, 1, 2, 3], Draft: true));
        Assert.Equal(PayloadType.NatOriginalAddressDraft, natOa.Type);
        Assert.True(natOa.Draft);

        var natD = RoundTrip(new NatDiscoveryPayload(Seq(20), Draft: true));
        Assert.Equal(PayloadType.NatDiscoveryDraft, natD.Type);

        var attributes = RoundTrip(new AttributePayload(ModeConfig.Request, 7, [DataAttribute.Variable(ModeConfig.XauthUserName, []), DataAttribute.Basic(ModeConfig.XauthType, 0)]));
        Assert.Equal((ModeConfig.Request, (ushort)7), (attributes.MessageType, attributes.Identifier));
        Assert.Empty(attributes.Attributes[0].LongValue!);
        Assert.True(attributes.Attributes[1].IsBasic);

        var cert = RoundTrip(new CertificatePayload(CertificateEncoding.X509Signature, Seq(5)));
        Assert.Equal(CertificateEncoding.X509Signature, cert.Encoding);

        var unknown = RoundTrip(new UnknownPayload(77, [1, 2]));
        Assert.Equal((PayloadType)77, unknown.Type);
        Assert.Equal(77, unknown.RawType);
    }

    [Fact]
    public void Encode_body_is_the_payload_without_its_generic_header()
    {
        // RFC 2409 §5: SAi_b is "the entire body of the SA payload (minus the ISAKMP generic header)".
        byte[] data = Parse(Samples.MainMode1Hex);
        var sa = Samples.MainMode1Payloads()[0];
        Assert.Equal(Of(data.AsSpan(IsakmpHeader.Size + 4, 96)), Of(PayloadCodec.EncodeBody(sa)));
    }

    [Fact]
    public void Empty_chain_encodes_to_nothing_and_first_none()
    {
        Assert.Empty(PayloadCodec.EncodeChain([], out var first));
        Assert.Equal(PayloadType.None, first);
        Assert.Equal(DecodeError.None, PayloadCodec.TryDecodeChain(PayloadType.None, [], allowTrailing: false, out var payloads));
        Assert.Empty(payloads);
    }

    private static T RoundTrip<T>(T payload)
        where T : Payload
    {
        byte[] chain = PayloadCodec.EncodeChain([payload], out var first);
        Assert.Equal(DecodeError.None, PayloadCodec.TryDecodeChain(first, chain, allowTrailing: false, out var decoded));
        return Assert.IsType<T>(Assert.Single(decoded));
    }
}
