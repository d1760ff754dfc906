using Appliance.Protocols.Crypto;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;

namespace Appliance.Protocols.Tests.Crypto;

public class ChapMd5Tests
{
    // RFC 1994 §4.1: Response = MD5(Identifier || secret || Challenge). Expected values were
    // computed by hand with coreutils and cross-checked with Python's hashlib, e.g.
    //   printf '\x2a''secret''\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f' | md5sum
    [Theory]
    [InlineData(0x2A, "secret", "000102030405060708090A0B0C0D0E0F", "03DC98C5A832692B49DF73CF48FCB4E9")]
    [InlineData(0x01, "password", "DEADBEEF0102030405060708090A0B0C", "25AA9C8D6F3723A7AA8F5A48B4D9FF56")]
    public void Response_matches_hand_computed_MD5(byte identifier, string secret, string challenge, string expected)
    {
        Assert.Equal(expected, Of(ChapMd5.ComputeResponse(identifier, Ascii(secret), Parse(challenge))));
        Assert.True(ChapMd5.VerifyResponse(identifier, Ascii(secret), Parse(challenge), Parse(expected)));
    }

    [Fact]
    public void Verify_rejects_wrong_identifier_secret_or_response()
    {
        byte[] challenge = Parse("000102030405060708090A0B0C0D0E0F");
        byte[] response = Parse("03DC98C5A832692B49DF73CF48FCB4E9");
        Assert.False(ChapMd5.VerifyResponse(0x2B, Ascii("secret"), challenge, response));
        Assert.False(ChapMd5.VerifyResponse(0x2A, Ascii("Secret"), challenge, response));
        response[0] ^= 1;
        Assert.False(ChapMd5.VerifyResponse(0x2A, Ascii("secret"), challenge, response));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    public void Verify_with_wrong_response_length_returns_false(int length)
    {
        Assert.False(ChapMd5.VerifyResponse(1, "s"u8, "c"u8, new byte[length]));
    }

    [Fact]
    public void Compute_into_short_buffer_throws_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => ChapMd5.ComputeResponse(1, "s"u8, "c"u8, new byte[15]));
    }
}
