using Appliance.Protocols.Crypto;
using Appliance.Protocols.Esp;

namespace Appliance.Protocols.Tests.Esp;

public class EspTransformTests
{
    // Key, IV and ICV sizes from RFC 3602, RFC 2451, RFC 4106 §8.1, RFC 2403/2404 and RFC 4868.
    [Theory]
    [InlineData("aes128-sha1", 16, 20, 16, 16, 12, 53)]
    [InlineData("aes256-sha1", 32, 20, 16, 16, 12, 53)]
    [InlineData("aes128-sha256", 16, 32, 16, 16, 16, 57)]
    [InlineData("aes256-sha256", 32, 32, 16, 16, 16, 57)]
    [InlineData("aes128gcm16", 20, 0, 8, 4, 16, 37)]
    [InlineData("aes192gcm16", 28, 0, 8, 4, 16, 37)]
    [InlineData("aes256gcm16", 36, 0, 8, 4, 16, 37)]
    [InlineData("3des-sha1", 24, 20, 8, 8, 12, 37)]
    [InlineData("3des-md5", 24, 16, 8, 8, 12, 37)]
    public void Sizes_follow_the_RFCs(string name, int encryptionKey, int integrityKey, int iv, int alignment, int icv, int maxOverhead)
    {
        EspTransform t = EspTestSa.Transforms[name];
        Assert.Equal(encryptionKey, t.EncryptionKeyLength);
        Assert.Equal(integrityKey, t.IntegrityKeyLength);
        Assert.Equal(iv, t.IvLength);
        Assert.Equal(alignment, t.PaddingAlignment);
        Assert.Equal(icv, t.IcvLength);
        Assert.Equal(maxOverhead, EspTransform.MaxOverhead(t));
        Assert.Equal(t.Cipher == EspCipher.AesGcm16, t.IsCombinedMode);

        for (int payload = 0; payload <= 300; payload++)
        {
            int packet = t.GetPacketLength(payload);
            int ciphertext = packet - EspPacket.HeaderLength - iv - icv;
            Assert.Equal(0, ciphertext % alignment);
            Assert.InRange(ciphertext - payload - EspPacket.TrailerLength, 0, alignment - 1);
            Assert.True(packet <= payload + maxOverhead);
        }
    }

    [Fact]
    public void TryCreate_builds_the_same_values_as_the_named_transforms()
    {
        Assert.True(EspTransform.TryCreate(EspCipher.AesCbc, 128, EspIntegrity.HmacSha1_96, out EspTransform? t));
        Assert.Equal(EspTransform.AesCbc128HmacSha1_96, t);
        Assert.True(EspTransform.TryCreate(EspCipher.AesGcm16, 256, EspIntegrity.None, out t));
        Assert.Equal(EspTransform.AesGcm16_256, t);
        Assert.True(EspTransform.TryCreate(EspCipher.AesCbc, 192, EspIntegrity.HmacSha512_256, out t));
        Assert.Equal("aes192-sha512", t.ToString());
        Assert.Equal(64, t.IntegrityKeyLength);
        Assert.Equal(32, t.IcvLength);
        Assert.NotEqual(EspTransform.AesCbc128HmacSha1_96, EspTransform.AesCbc256HmacSha1_96);
    }

    [Theory]
    [InlineData(EspCipher.AesCbc, 128, EspIntegrity.None)]      // ESP without integrity is not offered
    [InlineData(EspCipher.AesCbc, 160, EspIntegrity.HmacSha1_96)]
    [InlineData(EspCipher.AesGcm16, 128, EspIntegrity.HmacSha1_96)]
    [InlineData(EspCipher.AesGcm16, 64, EspIntegrity.None)]
    [InlineData(EspCipher.TripleDesCbc, 128, EspIntegrity.HmacSha1_96)]
    [InlineData(EspCipher.TripleDesCbc, 192, EspIntegrity.None)]
    [InlineData((EspCipher)9, 128, EspIntegrity.HmacSha1_96)]
    [InlineData(EspCipher.AesCbc, 128, (EspIntegrity)42)]
    public void TryCreate_refuses_combinations_the_datapath_does_not_run(EspCipher cipher, int keyBits, EspIntegrity integrity)
    {
        Assert.False(EspTransform.TryCreate(cipher, keyBits, integrity, out EspTransform? t));
        Assert.Null(t);
    }

    [Fact]
    public void Parameters_that_do_not_fit_the_transform_are_refused()
    {
        EspSaParameters good = EspTestSa.Parameters(EspTransform.AesCbc128HmacSha1_96);
        using (new InboundEspSa(good))
        {
        }

        EspSaParameters[] bad =
        [
            good with { Spi = 0 },
            good with { EncryptionKey = new byte[15] },
            good with { EncryptionKey = new byte[20] },
            good with { IntegrityKey = new byte[16] },
            good with { IntegrityKey = ReadOnlyMemory<byte>.Empty },
            good with { InitialSequenceNumber = 0 },
            good with { ReplayWindowSize = 16 },
            good with { ReplayWindowSize = 2048 },
            EspTestSa.Parameters(EspTransform.AesGcm16_128) with { EncryptionKey = new byte[16] },
            EspTestSa.Parameters(EspTransform.AesGcm16_128) with { IntegrityKey = new byte[20] },
            EspTestSa.Parameters(EspTransform.TripleDesCbcHmacSha1_96) with { EncryptionKey = new byte[24] }, // K1 = K2 = K3
        ];
        foreach (EspSaParameters parameters in bad)
        {
            Assert.ThrowsAny<ArgumentException>(() => new InboundEspSa(parameters));
            Assert.ThrowsAny<ArgumentException>(() => new OutboundEspSa(parameters, SystemRandomSource.Instance));
        }
    }

    [Fact]
    public void Parameters_never_print_key_bytes()
    {
        EspSaParameters parameters = EspTestSa.Parameters(EspTransform.AesCbc128HmacSha1_96) with
        {
            EncryptionKey = Convert.FromHexString("DEADBEEFDEADBEEFDEADBEEFDEADBEEF"),
        };
        string text = parameters.ToString();
        Assert.DoesNotContain("DEADBEEF", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("222", text, StringComparison.Ordinal); // 0xDE as a decimal byte
        Assert.Contains("aes128-sha1", text, StringComparison.Ordinal);
    }
}
