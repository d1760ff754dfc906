using Appliance.Protocols.Ike.Wire;
using static Appliance.Protocols.Tests.Ike.Wire.WireHex;

namespace Appliance.Protocols.Tests.Ike.Wire;

public class DataAttributeTests
{
    // Encoded through a mode-config payload: body = type 01, reserved 00, identifier 0000, attribute.
    private static string EncodeOne(DataAttribute attribute) =>
        Of(PayloadCodec.EncodeBody(new AttributePayload(1, 0, [attribute])).AsSpan(4));

    [Fact]
    public void Basic_is_tv_with_the_af_bit()
    {
        Assert.Equal("80010007", EncodeOne(DataAttribute.Basic(AttributeType.EncryptionAlgorithm, EncryptionAlgorithm.AesCbc)));
    }

    [Fact]
    public void Variable_is_tlv_with_exactly_the_given_bytes()
    {
        var life = DataAttribute.Variable(AttributeType.LifeDuration, [0, 0, 0x70, 0x80]);
        Assert.Equal("000c000400007080", EncodeOne(life));
        Assert.Equal(28800UL, life.AsInteger);
        Assert.Equal(28800UL, life.Value);
        Assert.False(life.IsBasic);
        Assert.Equal(8, life.EncodedLength);
    }

    [Fact]
    public void Small_value_without_long_value_is_tv()
    {
        Assert.Equal("800c7080", EncodeOne(new DataAttribute(AttributeType.LifeDuration, 28800, null)));
    }

    [Fact]
    public void Value_over_16_bits_becomes_a_4_byte_tlv()
    {
        Assert.Equal("00020004" + "00015180", EncodeOne(new DataAttribute(AttributeType.SaLifeDuration, 86400, null)));
    }

    [Fact]
    public void Value_over_32_bits_becomes_an_8_byte_tlv()
    {
        Assert.Equal("00020008" + "0000000100000000", EncodeOne(new DataAttribute(AttributeType.SaLifeDuration, 0x1_0000_0000, null)));
    }

    [Fact]
    public void Empty_tlv_round_trips()
    {
        Assert.Equal("00010000", EncodeOne(DataAttribute.Variable(ModeConfig.InternalIp4Address, [])));
    }

    [Fact]
    public void Long_integers_with_leading_zeros_still_fit()
    {
        var attribute = DataAttribute.Variable(AttributeType.LifeDuration, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
        Assert.True(attribute.TryGetInteger(out ulong value));
        Assert.Equal(256UL, value);
        Assert.Equal(256UL, attribute.AsInteger);
    }

    [Fact]
    public void Integers_over_64_bits_saturate_and_say_so()
    {
        var attribute = DataAttribute.Variable(AttributeType.LifeDuration, [1, 0, 0, 0, 0, 0, 0, 0, 0]);
        Assert.False(attribute.TryGetInteger(out ulong value));
        Assert.Equal(ulong.MaxValue, value);
        Assert.Equal(ulong.MaxValue, attribute.AsInteger);
    }

    [Fact]
    public void Type_with_the_af_bit_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DataAttribute.Basic(0x8001, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataAttribute.Variable(0x8001, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => PayloadCodec.EncodeBody(new AttributePayload(1, 0, [new DataAttribute(0x8001, 1, null)])));
    }

    [Fact]
    public void Tlv_longer_than_16_bit_length_is_refused()
    {
        Assert.Throws<ArgumentException>(() => EncodeOne(DataAttribute.Variable(1, new byte[65536])));
    }

    [Fact]
    public void Decoded_tv_and_tlv_keep_their_form()
    {
        // Transform attributes: TV 0x800b 0001, TLV 000c 0004 00007080, TLV 0002 0002 0010 (a short TLV stays TLV).
        byte[] body = Parse("01 00 0000" + "800b0001" + "000c000400007080" + "00020002 0010");
        Assert.Equal(DecodeError.None, PayloadCodec.TryDecodeBody(PayloadType.Attribute, body, out var payload));
        var attributes = ((AttributePayload)payload!).Attributes;
        Assert.Equal(new DataAttribute(11, 1, null), attributes[0]);
        Assert.Equal((12, 28800UL, "00007080"), (attributes[1].Type, attributes[1].Value, Of(attributes[1].LongValue)));
        Assert.False(attributes[2].IsBasic);
        Assert.Equal(16UL, attributes[2].AsInteger);
        Assert.Equal(Of(body), Of(PayloadCodec.EncodeBody(payload!)));
    }
}
