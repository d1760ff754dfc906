using Appliance.Protocols.Crypto;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;

namespace Appliance.Protocols.Tests.Crypto;

public class EspAesGcmTests
{
    // D. McGrew and J. Viega, "The Galois/Counter Mode of Operation (GCM)", revised 2005,
    // Appendix B test cases. Their 96-bit IVs are fed through the RFC 4106 framing: the first four
    // bytes become the salt (the tail of the ESP keying material), the last eight the explicit IV.
    private const string Tc3Plaintext =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";

    private const string Tc4Plaintext =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";

    private const string Tc4Aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

    public static TheoryData<string, string, string, string, string, string> GcmSpecVectors => new()
    {
        // Test case 1: K = 0^128, IV = 0^96, empty P: tag only.
        { "00000000000000000000000000000000", "000000000000000000000000", "", "", "", "58e2fccefa7e3061367f1d57a4e7455a" },

        // Test case 2: K = 0^128, IV = 0^96, P = 0^128.
        { "00000000000000000000000000000000", "000000000000000000000000", "00000000000000000000000000000000", "", "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf" },

        // Test case 3.
        {
            "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", Tc3Plaintext, "",
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
            "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
            "4d5c2af327cd64a62cf35abd2ba6fab4"
        },

        // Test case 4 (with AAD).
        {
            "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", Tc4Plaintext, Tc4Aad,
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
            "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47"
        },

        // Test case 14: K = 0^256, IV = 0^96, P = 0^128.
        { "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "00000000000000000000000000000000", "", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },

        // Test case 15.
        {
            "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", Tc3Plaintext, "",
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
            "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            "b094dac5d93471bdec1a502270e3cc6c"
        },

        // Test case 16 (with AAD).
        {
            "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", Tc4Plaintext, Tc4Aad,
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
            "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b"
        },
    };

    [Theory]
    [MemberData(nameof(GcmSpecVectors))]
    public void Encrypt_and_decrypt_match_GCM_spec_vectors(string key, string iv, string plaintext, string aad, string ciphertext, string tag)
    {
        byte[] nonce = Parse(iv);
        byte[] keyingMaterial = [.. Parse(key), .. nonce.AsSpan(0, 4)];
        using var gcm = new EspAesGcm(keyingMaterial);
        Assert.Equal(key.Length / 2, gcm.KeySize);

        byte[] explicitIv = nonce[4..];
        byte[] p = Parse(plaintext);
        var c = new byte[p.Length];
        var icv = new byte[EspAesGcm.IcvSize];
        gcm.Encrypt(explicitIv, p, c, icv, Parse(aad));
        Assert.Equal(Norm(ciphertext), Of(c));
        Assert.Equal(Norm(tag), Of(icv));

        var decrypted = new byte[p.Length];
        Assert.True(gcm.TryDecrypt(explicitIv, Parse(ciphertext), Parse(tag), decrypted, Parse(aad)));
        Assert.Equal(Norm(plaintext), Of(decrypted));
    }

    // RFC 4106 §4: nonce = salt (4 bytes) || explicit IV (8 bytes).
    [Fact]
    public void BuildNonce_is_salt_followed_by_explicit_IV()
    {
        var nonce = new byte[12];
        EspAesGcm.BuildNonce(Parse("cafebabe"), Parse("facedbaddecaf888"), nonce);
        Assert.Equal("CAFEBABEFACEDBADDECAF888", Of(nonce));
        Assert.Throws<ArgumentException>(() => EspAesGcm.BuildNonce(new byte[3], new byte[8], new byte[12]));
        Assert.Throws<ArgumentException>(() => EspAesGcm.BuildNonce(new byte[4], new byte[12], new byte[12]));
        Assert.Throws<ArgumentException>(() => EspAesGcm.BuildNonce(new byte[4], new byte[8], new byte[11]));
    }

    // RFC 4106 §8.1: the salt is the last four bytes of the keying material, so the two
    // constructors agree, and an ESP-like packet round-trips with SPI||seq as AAD (RFC 4106 §5).
    [Fact]
    public void Keying_material_split_matches_separate_key_and_salt_and_round_trips()
    {
        byte[] key = Parse("feffe9928665731c6d6a8f9467308308");
        byte[] salt = Parse("cafebabe");
        using var combined = new EspAesGcm([.. key, .. salt]);
        using var separate = new EspAesGcm(key, salt);

        byte[] explicitIv = Parse("0000000000000001");
        byte[] aad = Parse("00001000" + "00000001");
        byte[] payload = Ascii("inner IP packet + ESP trailer bytes");
        var c1 = new byte[payload.Length];
        var c2 = new byte[payload.Length];
        var t1 = new byte[16];
        var t2 = new byte[16];
        combined.Encrypt(explicitIv, payload, c1, t1, aad);
        separate.Encrypt(explicitIv, payload, c2, t2, aad);
        Assert.Equal(c1, c2);
        Assert.Equal(t1, t2);

        var back = new byte[payload.Length];
        Assert.True(separate.TryDecrypt(explicitIv, c1, t1, back, aad));
        Assert.Equal(payload, back);
    }

    // GCM spec test case 3 again, encrypting and decrypting within one buffer as ESP does.
    [Fact]
    public void Works_in_place()
    {
        using var gcm = new EspAesGcm(Parse("feffe9928665731c6d6a8f9467308308" + "cafebabe"));
        byte[] buffer = Parse(Tc3Plaintext);
        var icv = new byte[16];
        gcm.Encrypt(Parse("facedbaddecaf888"), buffer, buffer, icv);
        Assert.Equal("4D5C2AF327CD64A62CF35ABD2BA6FAB4", Of(icv));
        Assert.True(gcm.TryDecrypt(Parse("facedbaddecaf888"), buffer, icv, buffer));
        Assert.Equal(Norm(Tc3Plaintext), Of(buffer));
    }

    [Fact]
    public void Tag_mismatch_returns_false_and_clears_plaintext()
    {
        using var gcm = new EspAesGcm(Parse("feffe9928665731c6d6a8f9467308308" + "cafebabe"));
        byte[] explicitIv = Parse("facedbaddecaf888");
        byte[] ciphertext = Parse(
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
            "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091");
        byte[] tag = Parse("5bc94fbc3221a5db94fae95ae7121a47");
        byte[] aad = Parse(Tc4Aad);
        var plaintext = new byte[ciphertext.Length];

        tag[15] ^= 0x01;
        Assert.False(gcm.TryDecrypt(explicitIv, ciphertext, tag, plaintext, aad));
        Assert.All(plaintext, b => Assert.Equal((byte)0, b));
        tag[15] ^= 0x01;

        Assert.False(gcm.TryDecrypt(explicitIv, ciphertext, tag, plaintext, aad.AsSpan(1)));
        ciphertext[0] ^= 0x80;
        Assert.False(gcm.TryDecrypt(explicitIv, ciphertext, tag, plaintext, aad));
        ciphertext[0] ^= 0x80;
        Assert.False(gcm.TryDecrypt(Parse("facedbaddecaf889"), ciphertext, tag, plaintext, aad));
        Assert.True(gcm.TryDecrypt(explicitIv, ciphertext, tag, plaintext, aad));
    }

    [Theory]
    [InlineData(7, 16, 60)]
    [InlineData(9, 16, 60)]
    [InlineData(8, 15, 60)]
    [InlineData(8, 12, 60)]
    [InlineData(8, 16, 59)]
    [InlineData(8, 16, 61)]
    public void Decrypt_with_malformed_lengths_returns_false(int ivLength, int icvLength, int plaintextLength)
    {
        using var gcm = new EspAesGcm(new byte[20]);
        Assert.False(gcm.TryDecrypt(new byte[ivLength], new byte[60], new byte[icvLength], new byte[plaintextLength]));
    }

    [Fact]
    public void Bad_key_material_and_encrypt_lengths_throw_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => new EspAesGcm(new byte[16]));
        Assert.Throws<ArgumentException>(() => new EspAesGcm(new byte[21]));
        Assert.Throws<ArgumentException>(() => new EspAesGcm(new byte[16], new byte[3]));
        Assert.Throws<ArgumentException>(() => new EspAesGcm(new byte[17], new byte[4]));

        using var gcm = new EspAesGcm(new byte[36]);
        Assert.Throws<ArgumentException>(() => gcm.Encrypt(new byte[8], new byte[10], new byte[9], new byte[16]));
        Assert.Throws<ArgumentException>(() => gcm.Encrypt(new byte[8], new byte[10], new byte[10], new byte[12]));
        Assert.Throws<ArgumentException>(() => gcm.Encrypt(new byte[12], new byte[10], new byte[10], new byte[16]));
    }
}
