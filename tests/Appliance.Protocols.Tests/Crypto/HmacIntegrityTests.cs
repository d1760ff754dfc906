using Appliance.Protocols.Crypto;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;

namespace Appliance.Protocols.Tests.Crypto;

public class HmacIntegrityTests
{
    // RFC 2202 §3 test case 5: HMAC-SHA-1-96 with a 20-byte key (the RFC 2404 key size).
    [Fact]
    public void HmacSha1_96_matches_RFC2202_test_case_5()
    {
        using var hmac = HmacIntegrity.HmacSha1_96(Repeat(0x0C, 20));
        var icv = new byte[12];
        hmac.Compute(Ascii("Test With Truncation"), icv);
        Assert.Equal("4C1A03424B55E07FE7F27BE1", Of(icv));
        Assert.True(hmac.Verify(Ascii("Test With Truncation"), icv));
        Assert.Equal(12, hmac.IcvSize);
    }

    // RFC 4231 §4.6 test case 5: HMAC-SHA-256 truncated to 128 bits (the RFC 4868 ICV length).
    [Fact]
    public void HmacSha256_128_truncation_matches_RFC4231_test_case_5()
    {
        using var hmac = new HmacIntegrity(DigestAlgorithm.Sha256, Repeat(0x0C, 20), 16);
        var icv = new byte[16];
        hmac.Compute(Ascii("Test With Truncation"), icv);
        Assert.Equal("A3B6167473100EE06E0C796C2955552B", Of(icv));
    }

    // RFC 4231 §4.2 test case 1 (key 0x0b x 20), truncated as the ESP RFCs specify.
    [Fact]
    public void Reused_key_gives_the_same_ICV_for_each_packet()
    {
        using var hmac = new HmacIntegrity(DigestAlgorithm.Sha256, Repeat(0x0B, 20), 16);
        var first = new byte[16];
        var second = new byte[16];
        hmac.Compute(Ascii("Hi There"), first);
        hmac.Compute(Ascii("Hi There"), second);
        Assert.Equal("B0344C61D8DB38535CA8AFCEAF0BF12B", Of(first));
        Assert.Equal(first, second);
    }

    [Fact]
    public void Factories_use_the_ESP_ICV_lengths()
    {
        using var md5 = HmacIntegrity.HmacMd5_96(new byte[16]);
        using var sha256 = HmacIntegrity.HmacSha256_128(new byte[32]);
        using var sha384 = HmacIntegrity.HmacSha384_192(new byte[48]);
        using var sha512 = HmacIntegrity.HmacSha512_256(new byte[64]);
        Assert.Equal(12, md5.IcvSize);
        Assert.Equal(16, sha256.IcvSize);
        Assert.Equal(24, sha384.IcvSize);
        Assert.Equal(32, sha512.IcvSize);
    }

    [Fact]
    public void Factories_refuse_wrong_key_lengths()
    {
        Assert.Throws<ArgumentException>(() => HmacIntegrity.HmacSha1_96(new byte[16]));
        Assert.Throws<ArgumentException>(() => HmacIntegrity.HmacSha256_128(new byte[20]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HmacIntegrity(DigestAlgorithm.Sha1, new byte[20], 21));
        Assert.Throws<ArgumentException>(() => new HmacIntegrity(DigestAlgorithm.Sha1, ReadOnlySpan<byte>.Empty, 12));
    }

    [Fact]
    public void Verify_fails_on_tamper_and_wrong_length()
    {
        using var hmac = HmacIntegrity.HmacSha1_96(Repeat(0x0C, 20));
        byte[] icv = Parse("4C1A03424B55E07FE7F27BE1");
        Assert.True(hmac.Verify(Ascii("Test With Truncation"), icv));
        Assert.False(hmac.Verify(Ascii("Test With Truncation!"), icv));
        Assert.False(hmac.Verify(Ascii("Test With Truncation"), icv.AsSpan(0, 11)));
        Assert.False(hmac.Verify(Ascii("Test With Truncation"), Parse("4C1A03424B55E07FE7F27BE1D5")));
        icv[5] ^= 1;
        Assert.False(hmac.Verify(Ascii("Test With Truncation"), icv));
    }

    [Fact]
    public void Compute_into_short_buffer_throws_and_disposed_use_throws()
    {
        var hmac = HmacIntegrity.HmacSha1_96(new byte[20]);
        Assert.Throws<ArgumentException>(() => hmac.Compute("x"u8, new byte[11]));
        hmac.Dispose();
        Assert.Throws<ObjectDisposedException>(() => hmac.Compute("x"u8, new byte[12]));
    }
}
