using System.Security.Cryptography;
using System.Text;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// Power-on style known-answer tests, one per primitive, run by <c>appliance self-test</c> and at
/// startup. They prove the OpenSSL/BouncyCastle builds on the device compute what the RFCs say,
/// which matters on a cross-compiled NativeAOT image where a missing provider or a miscompiled
/// library would otherwise only show up as interop failures. Every check is small (no key
/// generation for RSA, 1024-bit MODP for the two-party check) so the whole run stays fast even on
/// an emulated or slow ARM core, and every check catches its own exceptions.
/// </summary>
public static class CryptoSelfTest
{
    /// <summary>Runs every check and returns one result per primitive, in a stable order. Never throws.</summary>
    public static IReadOnlyList<SelfTestResult> Run() =>
    [
        Check("MD5", () => ExpectHash(DigestAlgorithm.Md5, "900150983CD24FB0D6963F7D28E17F72")),
        Check("SHA-1", () => ExpectHash(DigestAlgorithm.Sha1, "A9993E364706816ABA3E25717850C26C9CD0D89D")),
        Check("SHA2-256", () => ExpectHash(DigestAlgorithm.Sha256, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")),
        Check("SHA2-384", () => ExpectHash(DigestAlgorithm.Sha384, "CB00753F45A35E8BB5A03D699AC65007272C32AB0EDED1631A8B605A43FF5BED8086072BA1E7CC2358BAECA134C825A7")),
        Check("SHA2-512", () => ExpectHash(DigestAlgorithm.Sha512, "DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A2192992A274FC1A836BA3C23A3FEEBBD454D4423643CE80E2A9AC94FA54CA49F")),
        Check("MD4", () => Expect(Md4.Hash("abc"u8), "A448017AAF21D8525FC10AE87AA6729D")),
        Check("HMAC-MD5", () => ExpectHmac(DigestAlgorithm.Md5, "750C783E6AB0B503EAA86E310A5DB738")),
        Check("HMAC-SHA1", () => ExpectHmac(DigestAlgorithm.Sha1, "EFFCDF6AE5EB2FA2D27416D5F184DF9C259A7C79")),
        Check("HMAC-SHA2-256", () => ExpectHmac(DigestAlgorithm.Sha256, "5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843")),
        Check("HMAC-SHA2-384", () => ExpectHmac(DigestAlgorithm.Sha384, "AF45D2E376484031617F78D2B58A6B1B9C7EF464F5A01B47E42EC3736322445E8E2240CA5E69E2C78B3239ECFAB21649")),
        Check("HMAC-SHA2-512", () => ExpectHmac(DigestAlgorithm.Sha512, "164B7A7BFCF819E2E395FBE73B56E0A387BD64222E831FD610270CD7EA2505549758BF75C05A994A6D034F65F8F0E6FDCAEAB1A34D4A6B4B636E070A38BCE737")),
        Check("HMAC-SHA1-96", CheckHmacSha1_96),
        Check("HMAC-SHA2-256-128", CheckHmacSha256_128),
        Check("AES-128-CBC", () => CheckAesCbc("2B7E151628AED2A6ABF7158809CF4F3C", "7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B273BED6B8E3C1743B7116E69E222295163FF1CAA1681FAC09120ECA307586E1A7")),
        Check("AES-192-CBC", () => CheckAesCbc("8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B", "4F021DB243BC633D7178183A9FA071E8B4D9ADA9AD7DEDF4E5E738763F69145A571B242012FB7AE07FA9BAAC3DF102E008B0E27988598881D920A9E64F5615CD")),
        Check("AES-256-CBC", () => CheckAesCbc("603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4", "F58C4C04D6E5F1BA779EABFB5F7BFBD69CFC4E967EDB808D679F777BC6702C7D39F23369A9D9BACFA530E26304231461B2EB05E2C39BE9FCDA6C19078C6A9D1B")),
        Check("AES-GCM-16", CheckAesGcm),
        Check("3DES-CBC", CheckTripleDesCbc),
        Check("DES", CheckSingleDes),
        Check("MS-CHAPv2", CheckMsChapV2),
        Check("CHAP-MD5", () => Expect(ChapMd5.ComputeResponse(0x2A, "secret"u8, Convert.FromHexString("000102030405060708090A0B0C0D0E0F")), "03DC98C5A832692B49DF73CF48FCB4E9")),
        Check("DH-MODP", CheckModp),
        Check("ECDH-P256", () => CheckEcp(
            19,
            "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
            "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180" + "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
            "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63" + "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
            "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE")),
        Check("ECDH-P384", () => CheckEcp(
            20,
            "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194",
            "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C88732AEE95F41AA" + "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C",
            "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D0D1AC43A0336DEF96FDA41D0774A3571" + "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C",
            "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746")),
        Check("RSA-PKCS1-SHA256", CheckRsaDigestInfo),
        Check("RSA-PKCS1-RAW", CheckRsaRaw),
        Check("CSPRNG", CheckRandom),
    ];

    private static SelfTestResult Check(string name, Func<string?> body)
    {
        try
        {
            string? failure = body();
            return new SelfTestResult(name, failure is null, failure);
        }
        catch (Exception ex)
        {
            return new SelfTestResult(name, false, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static string? Expect(ReadOnlySpan<byte> actual, string expectedHex, string what = "output") =>
        actual.SequenceEqual(Convert.FromHexString(expectedHex)) ? null : $"{what} {Convert.ToHexString(actual)} != expected {expectedHex}";

    private static string? All(params string?[] failures) => failures.FirstOrDefault(f => f is not null);

    // FIPS 180-4 / RFC 1321 "abc" examples.
    private static string? ExpectHash(DigestAlgorithm algorithm, string expectedHex) =>
        Expect(Digest.Hash(algorithm, "abc"u8), expectedHex);

    // RFC 2202 / RFC 4231 test case 2: key "Jefe".
    private static string? ExpectHmac(DigestAlgorithm algorithm, string expectedHex)
    {
        byte[] key = "Jefe"u8.ToArray();
        byte[] data = "what do ya want for nothing?"u8.ToArray();
        return All(
            Expect(Hmac.Compute(algorithm, key, data), expectedHex),
            Hmac.Verify(algorithm, key, data, Convert.FromHexString(expectedHex)) ? null : "Verify rejected the correct MAC");
    }

    // RFC 2202 §3 test case 5 (HMAC-SHA-1-96).
    private static string? CheckHmacSha1_96()
    {
        byte[] key = Enumerable.Repeat((byte)0x0C, 20).ToArray();
        using var hmac = HmacIntegrity.HmacSha1_96(key);
        Span<byte> icv = stackalloc byte[12];
        hmac.Compute("Test With Truncation"u8, icv);
        return All(
            Expect(icv, "4C1A03424B55E07FE7F27BE1", "ICV"),
            hmac.Verify("Test With Truncation"u8, icv) ? null : "Verify rejected the correct ICV");
    }

    // RFC 4231 §4.6 test case 5 (truncation to 128 bits).
    private static string? CheckHmacSha256_128()
    {
        byte[] key = Enumerable.Repeat((byte)0x0C, 20).ToArray();
        using var hmac = new HmacIntegrity(DigestAlgorithm.Sha256, key, 16);
        Span<byte> icv = stackalloc byte[16];
        hmac.Compute("Test With Truncation"u8, icv);
        return Expect(icv, "A3B6167473100EE06E0C796C2955552B", "ICV");
    }

    // NIST SP 800-38A Appendix F.2.1/F.2.3/F.2.5.
    private static string? CheckAesCbc(string keyHex, string ciphertextHex)
    {
        byte[] iv = Convert.FromHexString("000102030405060708090A0B0C0D0E0F");
        byte[] plaintext = Convert.FromHexString(
            "6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E5130C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710");
        using var aes = CbcCipher.CreateAes(Convert.FromHexString(keyHex));
        return All(
            Expect(aes.Encrypt(iv, plaintext), ciphertextHex, "ciphertext"),
            Expect(aes.Decrypt(iv, Convert.FromHexString(ciphertextHex)), Convert.ToHexString(plaintext), "plaintext"));
    }

    // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 4, with the 96-bit IV split
    // into an RFC 4106 salt (CAFEBABE) and explicit IV.
    private static string? CheckAesGcm()
    {
        using var gcm = new EspAesGcm(Convert.FromHexString("FEFFE9928665731C6D6A8F9467308308" + "CAFEBABE"));
        byte[] explicitIv = Convert.FromHexString("FACEDBADDECAF888");
        byte[] aad = Convert.FromHexString("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
        byte[] plaintext = Convert.FromHexString(
            "D9313225F88406E5A55909C5AFF5269A86A7A9531534F7DA2E4C303D8A318A721C3C0C95956809532FCF0E2449A6B525B16AEDF5AA0DE657BA637B39");
        var ciphertext = new byte[plaintext.Length];
        var icv = new byte[EspAesGcm.IcvSize];
        gcm.Encrypt(explicitIv, plaintext, ciphertext, icv, aad);

        var decrypted = new byte[plaintext.Length];
        bool opened = gcm.TryDecrypt(explicitIv, ciphertext, icv, decrypted, aad);
        icv[0] ^= 1;
        bool forged = gcm.TryDecrypt(explicitIv, ciphertext, icv, decrypted, aad);
        return All(
            Expect(ciphertext, "42831EC2217774244B7221B784D0D49CE3AA212F2C02A4E035C17E2329ACA12E21D514B25466931C7D8F6A5AAC84AA051BA30B396A0AAC973D58E091", "ciphertext"),
            Expect(icv.Select((b, i) => i == 0 ? (byte)(b ^ 1) : b).ToArray(), "5BC94FBC3221A5DB94FAE95AE7121A47", "ICV"),
            opened ? null : "authentic packet rejected",
            forged ? "forged ICV accepted" : null);
    }

    // NIST CAVP TDES MMT (tdesmmt.zip, TCBCMMT3.rsp), ENCRYPT COUNT = 9.
    private static string? CheckTripleDesCbc()
    {
        using var des = CbcCipher.CreateTripleDes(Convert.FromHexString("9B162A0DF8AD9B61C88676E3D586434570B902F12A2046E0"));
        byte[] iv = Convert.FromHexString("EBD6FEFE029AD54B");
        const string Plaintext = "F4C1C918E77355C8156F0FD778DA52BFF121AE5F2F44EAF4D2754946D0E10D1F18CE3A0176E69C18B7D20B6E0D0BEE5EB5EDFE4BD60E4D92ADCD86BCE72E76F94EE5CBCAA8B01CFDDCEA2ADE575E66AC";
        const string Ciphertext = "1FF3C8709F403A8EFF291AEDF50C010DF5C5FF64A8B205F1FCE68564798897A390DB16EE0D053856B75898009731DA290FCC119DAD987277AACEF694872E880C4BB41471063FAE05C89F25E4BD0CAD6A";
        return All(
            Expect(des.Encrypt(iv, Convert.FromHexString(Plaintext)), Ciphertext, "ciphertext"),
            Expect(des.Decrypt(iv, Convert.FromHexString(Ciphertext)), Plaintext, "plaintext"));
    }

    // The worked example of J. O. Grabbe, "The DES Algorithm Illustrated".
    private static string? CheckSingleDes()
    {
        Span<byte> output = stackalloc byte[8];
        SingleDes.EncryptBlock(Convert.FromHexString("133457799BBCDFF1"), Convert.FromHexString("0123456789ABCDEF"), output);
        return Expect(output, "85E813540F0AB405");
    }

    // RFC 2759 §9.2.
    private static string? CheckMsChapV2()
    {
        byte[] authChallenge = Convert.FromHexString("5B5D7C7D7B3F2F3E3C2C602132262628");
        byte[] peerChallenge = Convert.FromHexString("21402324255E262A28295F2B3A337C7E");
        byte[] ntResponse = MsChapV2.GenerateNTResponse(authChallenge, peerChallenge, "User"u8, "clientPass");
        string authenticator = MsChapV2.GenerateAuthenticatorResponse("clientPass", ntResponse, peerChallenge, authChallenge, "User"u8);
        return All(
            Expect(ntResponse, "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", "NT-Response"),
            authenticator == "S=407A5589115FD0D6209F510FE9C04566932CDA56" ? null : $"authenticator response {authenticator}");
    }

    // Two-party agreement in group 2 plus peer-value validation; the code path is the same for
    // every MODP group, only the prime differs, and 1024 bits keeps this fast on slow cores.
    private static string? CheckModp()
    {
        using IDiffieHellman a = DiffieHellmanGroups.Create(2);
        using IDiffieHellman b = DiffieHellmanGroups.Create(2);
        byte[] za = a.DeriveSharedSecret(b.PublicValue);
        byte[] zb = b.DeriveSharedSecret(a.PublicValue);
        ModpGroup group = ModpGroup.Modp1024;
        byte[] pMinusOne = group.Prime.ToArray();
        pMinusOne[^1]--;
        var one = new byte[group.PrimeLength];
        one[^1] = 1;
        bool rejects = !ModpDiffieHellman.IsValidPublicValue(group, new byte[group.PrimeLength]) &&
                       !ModpDiffieHellman.IsValidPublicValue(group, one) &&
                       !ModpDiffieHellman.IsValidPublicValue(group, pMinusOne) &&
                       !ModpDiffieHellman.IsValidPublicValue(group, group.Prime);
        return All(
            za.Length == group.PrimeLength && a.PublicValue.Length == group.PrimeLength ? null : "wrong length",
            CryptographicOperations.FixedTimeEquals(za, zb) ? null : "parties derived different secrets",
            rejects ? null : "invalid public value accepted");
    }

    // RFC 5903 §8.1 / §8.2: the initiator's public value from i, and g^ir from the responder's value.
    private static string? CheckEcp(int group, string privateHex, string publicHex, string peerHex, string sharedHex)
    {
        using EcpDiffieHellman dh = EcpDiffieHellman.FromPrivateKey(group, Convert.FromHexString(privateHex));
        byte[] peer = Convert.FromHexString(peerHex);
        byte[] offCurve = (byte[])peer.Clone();
        offCurve[^1] ^= 1;
        return All(
            Expect(dh.PublicValue, publicHex, "public value"),
            Expect(dh.DeriveSharedSecret(peer), sharedHex, "shared secret"),
            EcpDiffieHellman.IsValidPublicValue(group, offCurve) ? "off-curve point accepted" : null);
    }

    private static RSA LoadSelfTestKey() => RSA.Create(new RSAParameters
    {
        Modulus = Convert.FromHexString(SelfTestRsaKey.Modulus),
        Exponent = Convert.FromHexString(SelfTestRsaKey.Exponent),
    });

    private static string? CheckRsaDigestInfo()
    {
        using RSA rsa = LoadSelfTestKey();
        byte[] message = Encoding.ASCII.GetBytes(SelfTestRsaKey.Message);
        byte[] signature = Convert.FromHexString(SelfTestRsaKey.Sha256Signature);
        bool good = RsaPkcs1Signature.VerifyData(rsa, message, signature, DigestAlgorithm.Sha256);
        signature[^1] ^= 1;
        bool tampered = RsaPkcs1Signature.VerifyData(rsa, message, signature, DigestAlgorithm.Sha256);
        return All(good ? null : "valid signature rejected", tampered ? "tampered signature accepted" : null);
    }

    private static string? CheckRsaRaw()
    {
        using RSA rsa = LoadSelfTestKey();
        byte[] hash = SHA256.HashData(Encoding.ASCII.GetBytes(SelfTestRsaKey.Message));
        byte[] signature = Convert.FromHexString(SelfTestRsaKey.RawSha256Signature);
        bool good = RsaPkcs1Signature.VerifyWithoutDigestInfo(rsa, hash, signature);
        hash[0] ^= 1;
        bool tampered = RsaPkcs1Signature.VerifyWithoutDigestInfo(rsa, hash, signature);
        return All(good ? null : "valid signature rejected", tampered ? "signature over other data accepted" : null);
    }

    // A continuous-test style sanity check (cf. FIPS 140-2 §4.9.2): two draws differ and are not constant.
    private static string? CheckRandom()
    {
        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        SystemRandomSource.Instance.Fill(a);
        SystemRandomSource.Instance.Fill(b);
        bool constant = !a.ContainsAnyExcept(a[0]);
        return a.SequenceEqual(b) || constant ? "CSPRNG output repeated or constant" : null;
    }
}
