using Appliance.Protocols.Crypto;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;

namespace Appliance.Protocols.Tests.Crypto;

public class DigestTests
{
    // MD5: RFC 1321 Appendix A.5 test suite ("" and "abc").
    // SHA-1/SHA-2: FIPS 180-4 examples as published in NIST's "Cryptographic Standards and
    // Guidelines: Examples with Intermediate Values" (one-block message "abc"), and RFC 6234 §8.5.
    [Theory]
    [InlineData(DigestAlgorithm.Md5, "", "D41D8CD98F00B204E9800998ECF8427E")]
    [InlineData(DigestAlgorithm.Md5, "abc", "900150983CD24FB0D6963F7D28E17F72")]
    [InlineData(DigestAlgorithm.Md5, "message digest", "F96B697D7CB7938D525A2F31AAF161D0")]
    [InlineData(DigestAlgorithm.Sha1, "abc", "A9993E364706816ABA3E25717850C26C9CD0D89D")]
    [InlineData(DigestAlgorithm.Sha1, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983E441C3BD26EBAAE4AA1F95129E5E54670F1")]
    [InlineData(DigestAlgorithm.Sha256, "abc", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")]
    [InlineData(DigestAlgorithm.Sha256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248D6A61D20638B8E5C026930C3E6039A33CE45964FF2167F6ECEDD419DB06C1")]
    [InlineData(DigestAlgorithm.Sha384, "abc", "CB00753F45A35E8BB5A03D699AC65007272C32AB0EDED1631A8B605A43FF5BED8086072BA1E7CC2358BAECA134C825A7")]
    [InlineData(DigestAlgorithm.Sha512, "abc", "DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A2192992A274FC1A836BA3C23A3FEEBBD454D4423643CE80E2A9AC94FA54CA49F")]
    public void Hash_matches_published_vector(DigestAlgorithm algorithm, string message, string expected)
    {
        Assert.Equal(expected, Of(Digest.Hash(algorithm, Ascii(message))));
        Assert.Equal(expected.Length / 2, Digest.GetSize(algorithm));
    }

    [Fact]
    public void Hash_into_short_destination_throws_ArgumentException()
    {
        var destination = new byte[31];
        Assert.Throws<ArgumentException>(() => Digest.Hash(DigestAlgorithm.Sha256, "abc"u8, destination));
    }

    [Fact]
    public void Hash_span_overload_writes_and_reports_length()
    {
        var destination = new byte[40];
        int written = Digest.Hash(DigestAlgorithm.Sha1, "abc"u8, destination);
        Assert.Equal(20, written);
        Assert.Equal("A9993E364706816ABA3E25717850C26C9CD0D89D", Of(destination.AsSpan(0, 20)));
    }
}
