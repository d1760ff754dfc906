using System.Security.Cryptography;
using System.Text;
using Appliance.Protocols.Crypto;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;

namespace Appliance.Protocols.Tests.Crypto;

public class RsaPkcs1SignatureTests
{
    // Test-only RSA-2048 key generated for this project with
    //   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048
    // Its public half and the OpenSSL-made signatures are embedded in the firmware self-test
    // (SelfTestRsaKey); PKCS#1 v1.5 is deterministic, so signing here must reproduce them exactly.
    private const string TestKeyPem = """
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDJcyLG5IGTRs8x
w8jXVYkbCF698dlZYrXsfuGYxeaZLtBvYG5hone6ev6OKctAD8yOFoDMglvRJq4N
+co00F6WydgAgMDjhIHyuPgH/yj9DLb3MGd9BNvVVnOEBUg2UOTFwmpOg4mCnvaN
t3r9YSKsUkfSIIEA9XGvLcjgx/vo0m3oc+1HFlniCqpRIr5sAdCs+JaDaUyiKE4+
3JskJZ0ZFu8nW/eUfrNgD6ypaaFxrgPvJXzxwa6ryaRtpeqcjnopUG1yhrHnTT1q
lsEfRmlc4NHKJvu4jJPOfZp+xHW+lHeX3Gj05ghoxj95wqUPPFKStlw789XL0eIE
3AQrSH1nAgMBAAECggEAIM+k9sTZ1KrFgoiDWjdZ/nzYLuiJCzBdtehbRu6CMamt
/1td1H80MGZqDFkC/Csr7mn8jn1zsQGI0J6Xxbm5PlF1N20Wfbg5ENdPEWuzjwvB
cp+AAPKH+nEl8syIHM4DhQZhGZVTvLe21rxExvz0OyGnsFzk8Mq0D+FNhPcYW6zo
aghtS+OgNXJa3y+Oah44Zqbg3dITJPEXlrrf7sVLe9XM456u23VxdKuO8aL+iJFd
SLv9UzyAx+XQhhOFAGSzTl5ZmnrloJd5tUZy4rvamL/CbYR9kLMlegjO0Sei0qLx
+mTM1bTk7C5OvTCC338NTHnNoehneOxHtqyGRtd4aQKBgQDwpqP3l9MeKJ04Oa/l
wKJLkY0UdHh69Dsv6Xe2q33jMUQ9DXmMfDcLDTPZHv03ygRV5Fn+Tk8asCjBoBWL
ceMldcAejqRRNe4W/8NrQv40ELWMQIMoRoieOZ5AgVZeK68dRbopMUfSiUIObD/x
nMWugmQukYyMDrc2fb/6Nl7DtQKBgQDWTGqh9AXoMtjCyeLW5wsCG7unbDgUp6Uk
OLtJVde91/avOJnDWyL7X42gt3DMJ5bda/dr81KBM+rvQroJMtSe0o7EFP859PwP
5TzfJkBLQFQ40fU6vhiAE+DbplBUe8YrIXAn1Uq0D4Qvf3qHgrGOMd7Vrggv8P4p
ykWDpwXmKwKBgApflIfSspYFOCm5StzDfft17bfpAVyDdJ2vGar1H3sQn5lmIEwu
+oxuaEK+tDmYarFtI3fz1jMXTtpx1Rvqr9joh3yJt4mMopO5OKpB/AUwhzLhgQXW
bIMthqXPLXLnvSes3sZxyl/H7OIERolasabBFiJvwbgz1i/yIbleaJ1VAoGAIttj
LNyoaVB7+ZMlFpeWLs2cBGuR46oxLmcb753K7dJHCdFHEYOteP3d55pu+oYl//Yj
1KdLcECloi1UXVKrSvosxrAzo5W5ukwrTpDGPHdGO8fK/7cT/SE+nfu7bUKExVc3
CwOilw8/DQrLP2d+wgZSnKcmJcYpUVrZW8S7LOkCgYBtUSS3gMmkeny8pf5z8BVj
au0bGaamV1W/Z2yC4cvTJmNrhqbaP0q+RN6QMqaFVYC1nYMOq4e1hcpE15sNIOU+
aF9u5w5/Jr6h0aAXKfc/ydgITs0fTNsrdJJs6thb2q+T6tpmHc4k1/rAuWWGynpD
Jq3cwAEBn9idMui9Vzm4iQ==
-----END PRIVATE KEY-----
""";

    // openssl dgst -sha1 -sign key.pem over SelfTestRsaKey.Message.
    private const string OpenSslSha1Signature =
        "5D5843074AFA6430C23D91D31E01086AABC6C5D5F7E6976CB05B4E91DE140A6A" +
        "50C0763C4FF0C72AC813AE8CFA28EF61B4F818AE7A7B6E3F54880C5D2E8DE979" +
        "20D31BC03516F480F59AE03B51E43B5EA984763E62E32757C03B73B8460E0B22" +
        "EE81950948C1CEA40496708880108CAEBB4E4F7C4642942E8C3D01EA9EAB77E6" +
        "5708A382D66014AADE79C4F094FF18370DAFA3E581646ECA1F8A3001C98EAEDF" +
        "05DA5E0B9BCE9F4041E81423D49CCF314F2C73BAFFFDD29330436B365158B9CB" +
        "4DE6A91B67ACA61E550E985D151CF280B5843ED4680FE5CF28560D36094B6331" +
        "9C7E26F5BDF365F90506E6F97785654A13BD90A8DD954B77DB9DCA6A046E4C01";

    // RFC 8017 §9.2 note 1: DER DigestInfo prefixes.
    private const string Sha1DigestInfoPrefix = "3021300906052B0E03021A05000414";
    private const string Sha256DigestInfoPrefix = "3031300D060960864801650304020105000420";

    private static readonly byte[] Message = Encoding.ASCII.GetBytes(SelfTestRsaKey.Message);

    private static RSA LoadTestKey()
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(TestKeyPem);
        return rsa;
    }

    private static RSA LoadPublicKey() => RSA.Create(new RSAParameters
    {
        Modulus = Parse(SelfTestRsaKey.Modulus),
        Exponent = Parse(SelfTestRsaKey.Exponent),
    });

    [Fact]
    public void SignData_reproduces_OpenSSL_signatures()
    {
        using RSA rsa = LoadTestKey();
        Assert.Equal(SelfTestRsaKey.Modulus, Of(rsa.ExportParameters(false).Modulus));
        Assert.Equal(SelfTestRsaKey.Sha256Signature, Of(RsaPkcs1Signature.SignData(rsa, Message, DigestAlgorithm.Sha256)));
        Assert.Equal(OpenSslSha1Signature, Of(RsaPkcs1Signature.SignData(rsa, Message, DigestAlgorithm.Sha1)));
    }

    [Fact]
    public void VerifyData_accepts_OpenSSL_signatures_with_public_key_only()
    {
        using RSA rsa = LoadPublicKey();
        Assert.True(RsaPkcs1Signature.VerifyData(rsa, Message, Parse(SelfTestRsaKey.Sha256Signature), DigestAlgorithm.Sha256));
        Assert.True(RsaPkcs1Signature.VerifyData(rsa, Message, Parse(OpenSslSha1Signature), DigestAlgorithm.Sha1));
        Assert.False(RsaPkcs1Signature.VerifyData(rsa, Message, Parse(OpenSslSha1Signature), DigestAlgorithm.Sha256));
    }

    [Theory]
    [InlineData(DigestAlgorithm.Sha1)]
    [InlineData(DigestAlgorithm.Sha256)]
    [InlineData(DigestAlgorithm.Sha384)]
    [InlineData(DigestAlgorithm.Sha512)]
    public void Sign_verify_round_trip_and_flipped_bit_fails(DigestAlgorithm algorithm)
    {
        using RSA rsa = RSA.Create(2048);
        byte[] data = Encoding.ASCII.GetBytes("IKE SA_INIT / HASH_I material");
        byte[] signature = RsaPkcs1Signature.SignData(rsa, data, algorithm);
        Assert.Equal(256, signature.Length);
        Assert.True(RsaPkcs1Signature.VerifyData(rsa, data, signature, algorithm));

        byte[] hash = Digest.Hash(algorithm, data);
        Assert.Equal(signature, RsaPkcs1Signature.SignHash(rsa, hash, algorithm));
        Assert.True(RsaPkcs1Signature.VerifyHash(rsa, hash, signature, algorithm));

        signature[100] ^= 0x04;
        Assert.False(RsaPkcs1Signature.VerifyData(rsa, data, signature, algorithm));
        signature[100] ^= 0x04;
        data[0] ^= 0x01;
        Assert.False(RsaPkcs1Signature.VerifyData(rsa, data, signature, algorithm));
    }

    // The IKEv1 form signs the bare hash. openssl pkeyutl -sign (no digest) made the embedded
    // signature over SHA-256(Message); signing again must reproduce it.
    [Fact]
    public void SignWithoutDigestInfo_reproduces_OpenSSL_pkeyutl_and_verifies()
    {
        byte[] hash = SHA256.HashData(Message);
        using RSA rsa = LoadTestKey();
        Assert.Equal(SelfTestRsaKey.RawSha256Signature, Of(RsaPkcs1Signature.SignWithoutDigestInfo(rsa, hash)));

        using RSA pub = LoadPublicKey();
        Assert.True(RsaPkcs1Signature.VerifyWithoutDigestInfo(pub, hash, Parse(SelfTestRsaKey.RawSha256Signature)));
    }

    // With the DigestInfo prepended by hand, the no-DigestInfo path must equal standard PKCS#1 v1.5
    // (RFC 8017 §9.2): this ties the manual padding to OpenSSL's.
    [Theory]
    [InlineData(DigestAlgorithm.Sha1, Sha1DigestInfoPrefix)]
    [InlineData(DigestAlgorithm.Sha256, Sha256DigestInfoPrefix)]
    public void Raw_signature_over_DigestInfo_equals_standard_signature(DigestAlgorithm algorithm, string prefix)
    {
        using RSA rsa = LoadTestKey();
        byte[] hash = Digest.Hash(algorithm, Message);
        byte[] digestInfo = [.. Parse(prefix), .. hash];
        byte[] standard = RsaPkcs1Signature.SignHash(rsa, hash, algorithm);
        Assert.Equal(standard, RsaPkcs1Signature.SignWithoutDigestInfo(rsa, digestInfo));
        Assert.True(RsaPkcs1Signature.VerifyWithoutDigestInfo(rsa, digestInfo, standard));
        Assert.False(RsaPkcs1Signature.VerifyWithoutDigestInfo(rsa, hash, standard));
    }

    [Fact]
    public void Raw_round_trip_with_fresh_key_and_flipped_bit_fails()
    {
        using RSA rsa = RSA.Create(2048);
        byte[] hashI = SHA1.HashData(Encoding.ASCII.GetBytes("HASH_I"));
        byte[] signature = RsaPkcs1Signature.SignWithoutDigestInfo(rsa, hashI);
        Assert.True(RsaPkcs1Signature.VerifyWithoutDigestInfo(rsa, hashI, signature));
        signature[0] ^= 0x01;
        Assert.False(RsaPkcs1Signature.VerifyWithoutDigestInfo(rsa, hashI, signature));
    }

    [Fact]
    public void Malformed_lengths_fail_cleanly()
    {
        using RSA rsa = LoadPublicKey();
        byte[] signature = Parse(SelfTestRsaKey.Sha256Signature);
        byte[] hash = SHA256.HashData(Message);

        Assert.False(RsaPkcs1Signature.VerifyHash(rsa, hash, signature.AsSpan(1), DigestAlgorithm.Sha256));
        Assert.False(RsaPkcs1Signature.VerifyHash(rsa, hash, [.. signature, 0], DigestAlgorithm.Sha256));
        Assert.False(RsaPkcs1Signature.VerifyHash(rsa, hash.AsSpan(1), signature, DigestAlgorithm.Sha256));
        Assert.False(RsaPkcs1Signature.VerifyHash(rsa, hash, ReadOnlySpan<byte>.Empty, DigestAlgorithm.Sha256));

        byte[] raw = Parse(SelfTestRsaKey.RawSha256Signature);
        Assert.False(RsaPkcs1Signature.VerifyWithoutDigestInfo(rsa, hash, raw.AsSpan(1)));
        Assert.False(RsaPkcs1Signature.VerifyWithoutDigestInfo(rsa, new byte[246], raw));
        Assert.False(RsaPkcs1Signature.VerifyWithoutDigestInfo(rsa, hash, Repeat(0xFF, 256)));

        using RSA priv = LoadTestKey();
        Assert.Throws<ArgumentException>(() => RsaPkcs1Signature.SignHash(priv, hash.AsSpan(1), DigestAlgorithm.Sha256));
        Assert.Throws<ArgumentException>(() => RsaPkcs1Signature.SignWithoutDigestInfo(priv, new byte[246]));
        Assert.Equal(256, RsaPkcs1Signature.SignWithoutDigestInfo(priv, new byte[245]).Length);
    }

    [Fact]
    public void MD5_is_refused_for_signatures()
    {
        using RSA rsa = LoadTestKey();
        Assert.Throws<ArgumentException>(() => RsaPkcs1Signature.SignData(rsa, Message, DigestAlgorithm.Md5));
        Assert.Throws<ArgumentException>(() => RsaPkcs1Signature.VerifyHash(rsa, new byte[16], new byte[256], DigestAlgorithm.Md5));
    }
}
