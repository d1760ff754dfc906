using Appliance.Protocols.Ike.Wire;
using static Appliance.Protocols.Tests.Ike.Wire.WireHex;

namespace Appliance.Protocols.Tests.Ike.Wire;

public class IkeMessageTests
{
    [Fact]
    public void Encode_writes_next_payload_and_length_from_the_payloads()
    {
        var header = Samples.MainModeHeader with { NextPayload = PayloadType.Delete, Length = 9999 };
        byte[] message = IkeMessage.Encode(header, [new VendorIdPayload([1, 2, 3, 4])]);
        Assert.Equal("0102030405060708 0000000000000000 0d 10 02 00 00000000 00000024 00 00 0008 01020304".Replace(" ", ""), Of(message));
    }

    [Fact]
    public void Encode_encrypted_sets_the_e_flag_and_length_and_copies_the_ciphertext()
    {
        var header = Samples.MainModeHeader with { Exchange = ExchangeType.QuickMode, MessageId = 0xdeadbeef };
        byte[] ciphertext = Seq(32, 0x40);
        byte[] message = IkeMessage.EncodeEncrypted(header, PayloadType.Hash, ciphertext);

        Assert.Equal(60, message.Length);
        Assert.Equal(DecodeError.UnexpectedEncryption, IkeMessage.TryDecode(message, out var decoded, out var payloads));
        Assert.Empty(payloads);
        Assert.True(decoded.IsEncrypted);
        Assert.Equal(PayloadType.Hash, decoded.NextPayload);
        Assert.Equal(0xdeadbeefu, decoded.MessageId);
        Assert.Equal(60u, decoded.Length);
        Assert.Equal(Of(ciphertext), Of(IkeMessage.GetBody(message, decoded)));
    }

    [Fact]
    public void Decrypted_body_with_cbc_padding_decodes_when_trailing_is_allowed()
    {
        byte[] chain = PayloadCodec.EncodeChain(Samples.InformationalPayloads(), out var first);
        int padded = (chain.Length / 16 + 1) * 16;
        byte[] body = [.. chain, .. new byte[padded - chain.Length]];

        Assert.Equal(DecodeError.None, PayloadCodec.TryDecodeChain(first, body, allowTrailing: true, out var payloads));
        Assert.Equal(5, payloads.Count);
        Assert.Equal(DecodeError.TrailingGarbage, PayloadCodec.TryDecodeChain(first, body, allowTrailing: false, out _));
    }

    [Fact]
    public void Extents_give_the_received_bytes_that_rfc_2409_hashes_cover()
    {
        byte[] message = Parse(Samples.MainMode1Hex);
        byte[] body = message[IsakmpHeader.Size..];
        Assert.Equal(DecodeError.None, PayloadCodec.TryDecodeChain(PayloadType.SecurityAssociation, body, false, out var payloads, out var extents));
        Assert.Equal(payloads.Count, extents.Count);
        Assert.Equal(new Range(0, 100), extents[0]);
        Assert.Equal(new Range(100, 120), extents[1]);
        Assert.Equal(body.Length, extents[^1].End.Value);

        // SAi_b: the SA body as received, generic header excluded.
        Assert.Equal(Of(PayloadCodec.EncodeBody(payloads[0])), Of(body.AsSpan()[extents[0]][Payload.HeaderSize..]));
    }

    [Fact]
    public void Chain_tail_encodes_identically_alone_for_quick_mode_hash()
    {
        // RFC 2409 §5.5: HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ]) over the
        // payloads after the HASH as they appear in the message.
        var payloads = Samples.QuickMode1Payloads();
        byte[] whole = PayloadCodec.EncodeChain(payloads, out _);
        byte[] tail = PayloadCodec.EncodeChain(payloads.Skip(1).ToArray(), out var tailFirst);
        Assert.Equal(PayloadType.SecurityAssociation, tailFirst);

        Assert.Equal(DecodeError.None, PayloadCodec.TryDecodeChain(PayloadType.Hash, whole, false, out _, out var extents));
        Assert.Equal(Of(tail), Of(whole.AsSpan(extents[1].Start.Value, extents[^1].End.Value - extents[1].Start.Value)));
    }

    [Fact]
    public void Fragment_carrier_decodes()
    {
        byte[] message = Samples.AllMessages()["Fragment"];
        Assert.Equal((byte)PayloadType.Fragment, message[16]);
        Assert.Equal(DecodeError.None, IkeMessage.TryDecode(message, out _, out var payloads));
        var fragment = Assert.IsType<FragmentPayload>(Assert.Single(payloads));
        Assert.True(fragment.IsLast);
        Assert.Equal(2, fragment.Number);
    }

    [Fact]
    public void Header_errors_pass_through()
    {
        Assert.Equal(DecodeError.Truncated, IkeMessage.TryDecode(new byte[10], out _, out var payloads));
        Assert.Empty(payloads);
    }
}
