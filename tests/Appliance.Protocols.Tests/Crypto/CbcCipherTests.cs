using Appliance.Protocols.Crypto;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;

namespace Appliance.Protocols.Tests.Crypto;

public class CbcCipherTests
{
    // NIST SP 800-38A Appendix F.2: common IV and plaintext of all CBC-AES examples.
    private const string Sp80038aIv = "000102030405060708090a0b0c0d0e0f";

    private const string Sp80038aPlaintext =
        "6bc1bee22e409f96e93d7e117393172a" + "ae2d8a571e03ac9c9eb76fac45af8e51" +
        "30c81c46a35ce411e5fbc1191a0a52ef" + "f69f2445df4f9b17ad2b417be66c3710";

    // NIST SP 800-38A F.2.1/F.2.2 (CBC-AES128), F.2.3/F.2.4 (CBC-AES192), F.2.5/F.2.6 (CBC-AES256).
    [Theory]
    [InlineData(
        "2b7e151628aed2a6abf7158809cf4f3c",
        "7649abac8119b246cee98e9b12e9197d" + "5086cb9b507219ee95db113a917678b2" + "73bed6b8e3c1743b7116e69e22229516" + "3ff1caa1681fac09120eca307586e1a7")]
    [InlineData(
        "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
        "4f021db243bc633d7178183a9fa071e8" + "b4d9ada9ad7dedf4e5e738763f69145a" + "571b242012fb7ae07fa9baac3df102e0" + "08b0e27988598881d920a9e64f5615cd")]
    [InlineData(
        "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "f58c4c04d6e5f1ba779eabfb5f7bfbd6" + "9cfc4e967edb808d679f777bc6702c7d" + "39f23369a9d9bacfa530e26304231461" + "b2eb05e2c39be9fcda6c19078c6a9d1b")]
    public void Aes_CBC_matches_SP800_38A(string key, string ciphertext)
    {
        using var aes = CbcCipher.CreateAes(Parse(key));
        Assert.Equal(CbcAlgorithm.Aes, aes.Algorithm);
        Assert.Equal(16, aes.BlockSize);
        Assert.Equal(key.Length / 2, aes.KeySize);

        Assert.Equal(Norm(ciphertext), Of(aes.Encrypt(Parse(Sp80038aIv), Parse(Sp80038aPlaintext))));
        Assert.Equal(Norm(Sp80038aPlaintext), Of(aes.Decrypt(Parse(Sp80038aIv), Parse(ciphertext))));

        // The key schedule is reused: a second message under the same instance must still match.
        var plain = new byte[64];
        Assert.True(aes.TryDecrypt(Parse(Sp80038aIv), Parse(ciphertext), plain));
        Assert.Equal(Norm(Sp80038aPlaintext), Of(plain));
    }

    // IKEv1 chains the IV across messages (RFC 2409 Appendix B): decrypting the last three blocks
    // with the first ciphertext block as IV must give the last three plaintext blocks.
    [Fact]
    public void Aes_CBC_continues_from_a_chained_IV()
    {
        using var aes = CbcCipher.CreateAes(Parse("2b7e151628aed2a6abf7158809cf4f3c"));
        byte[] ciphertext = Parse("7649abac8119b246cee98e9b12e9197d" + "5086cb9b507219ee95db113a917678b2" + "73bed6b8e3c1743b7116e69e22229516" + "3ff1caa1681fac09120eca307586e1a7");
        byte[] tail = aes.Decrypt(ciphertext.AsSpan(0, 16), ciphertext.AsSpan(16));
        Assert.Equal(Norm(Sp80038aPlaintext[32..]), Of(tail));
    }

    // NIST SP 800-67 Rev. 1 Appendix B.1 (TDEA ECB example, "The qufck brown fox jump"): each block
    // encrypted alone equals single-block CBC with an all-zero IV.
    [Theory]
    [InlineData("5468652071756663", "A826FD8CE53B855F")]
    [InlineData("6B2062726F776E20", "CCE21C8112256FE6")]
    [InlineData("666F78206A756D70", "68D5C05DD9B6B900")]
    public void TripleDes_block_matches_SP800_67_example(string plaintext, string ciphertext)
    {
        using var des = CbcCipher.CreateTripleDes(Parse("0123456789ABCDEF" + "23456789ABCDEF01" + "456789ABCDEF0123"));
        var zeroIv = new byte[8];
        Assert.Equal(ciphertext, Of(des.Encrypt(zeroIv, Parse(plaintext))));
        Assert.Equal(plaintext, Of(des.Decrypt(zeroIv, Parse(ciphertext))));
    }

    // NIST CAVP TDES Multi-block Message Test, tdesmmt.zip / TCBCMMT3.rsp, [ENCRYPT] COUNT = 9.
    [Fact]
    public void TripleDes_CBC_matches_CAVP_TCBCMMT3()
    {
        const string Key = "9b162a0df8ad9b61" + "c88676e3d5864345" + "70b902f12a2046e0";
        const string Iv = "ebd6fefe029ad54b";
        const string Plaintext =
            "f4c1c918e77355c8156f0fd778da52bff121ae5f2f44eaf4d2754946d0e10d1f" +
            "18ce3a0176e69c18b7d20b6e0d0bee5eb5edfe4bd60e4d92adcd86bce72e76f9" +
            "4ee5cbcaa8b01cfddcea2ade575e66ac";
        const string Ciphertext =
            "1ff3c8709f403a8eff291aedf50c010df5c5ff64a8b205f1fce68564798897a3" +
            "90db16ee0d053856b75898009731da290fcc119dad987277aacef694872e880c" +
            "4bb41471063fae05c89f25e4bd0cad6a";

        using var des = CbcCipher.CreateTripleDes(Parse(Key));
        Assert.Equal(8, des.BlockSize);
        Assert.Equal(CbcAlgorithm.TripleDes, des.Algorithm);
        Assert.Equal(Norm(Ciphertext), Of(des.Encrypt(Parse(Iv), Parse(Plaintext))));
        Assert.Equal(Norm(Plaintext), Of(des.Decrypt(Parse(Iv), Parse(Ciphertext))));
    }

    // ESP decrypts in place; the result must equal the out-of-place SP 800-38A answer.
    [Fact]
    public void Aes_CBC_works_in_place()
    {
        using var aes = CbcCipher.CreateAes(Parse("2b7e151628aed2a6abf7158809cf4f3c"));
        byte[] buffer = Parse(Sp80038aPlaintext);
        aes.Encrypt(Parse(Sp80038aIv), buffer, buffer);
        Assert.Equal("7649ABAC8119B246CEE98E9B12E9197D", Of(buffer.AsSpan(0, 16)));
        Assert.True(aes.TryDecrypt(Parse(Sp80038aIv), buffer, buffer));
        Assert.Equal(Norm(Sp80038aPlaintext), Of(buffer));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(20)]
    [InlineData(33)]
    public void Aes_refuses_bad_key_length(int length)
    {
        Assert.Throws<ArgumentException>(() => CbcCipher.CreateAes(new byte[length]));
    }

    [Fact]
    public void TripleDes_refuses_bad_and_degenerate_keys()
    {
        Assert.Throws<ArgumentException>(() => CbcCipher.CreateTripleDes(new byte[16]));

        // K1 = K2: EDE collapses to single DES.
        byte[] k1EqualsK2 = Parse("0123456789ABCDEF" + "0123456789ABCDEF" + "456789ABCDEF0123");
        Assert.Throws<ArgumentException>(() => CbcCipher.CreateTripleDes(k1EqualsK2));
    }

    [Theory]
    [InlineData(16, 0)]
    [InlineData(16, 15)]
    [InlineData(16, 17)]
    [InlineData(15, 16)]
    [InlineData(17, 16)]
    public void Aes_decrypt_with_malformed_lengths_fails_cleanly(int ivLength, int ciphertextLength)
    {
        using var aes = CbcCipher.CreateAes(new byte[16]);
        var destination = new byte[64];
        Assert.False(aes.TryDecrypt(new byte[ivLength], new byte[ciphertextLength], destination));
        Assert.Throws<ArgumentException>(() => aes.Decrypt(new byte[ivLength], new byte[ciphertextLength]));
    }

    [Fact]
    public void Decrypt_into_short_destination_returns_false()
    {
        using var aes = CbcCipher.CreateAes(new byte[16]);
        Assert.False(aes.TryDecrypt(new byte[16], new byte[32], new byte[16]));
    }

    [Theory]
    [InlineData(8, 0)]
    [InlineData(8, 12)]
    [InlineData(16, 8)]
    public void TripleDes_decrypt_with_malformed_lengths_fails_cleanly(int ivLength, int ciphertextLength)
    {
        using var des = CbcCipher.CreateTripleDes(Parse("0123456789ABCDEF" + "23456789ABCDEF01" + "456789ABCDEF0123"));
        Assert.False(des.TryDecrypt(new byte[ivLength], new byte[ciphertextLength], new byte[64]));
    }

    [Fact]
    public void Encrypt_with_malformed_lengths_throws_ArgumentException()
    {
        using var aes = CbcCipher.CreateAes(new byte[16]);
        Assert.Throws<ArgumentException>(() => aes.Encrypt(new byte[16], new byte[15]));
        Assert.Throws<ArgumentException>(() => aes.Encrypt(new byte[16], ReadOnlySpan<byte>.Empty));
        Assert.Throws<ArgumentException>(() => aes.Encrypt(new byte[8], new byte[16]));
        Assert.Throws<ArgumentException>(() => aes.Encrypt(new byte[16], new byte[32], new byte[16]));
    }

    [Fact]
    public void Use_after_dispose_throws()
    {
        var aes = CbcCipher.CreateAes(new byte[16]);
        aes.Dispose();
        aes.Dispose();
        Assert.Throws<ObjectDisposedException>(() => aes.Encrypt(new byte[16], new byte[16]));
    }
}
