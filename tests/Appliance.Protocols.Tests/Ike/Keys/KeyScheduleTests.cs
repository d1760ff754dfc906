using System.Net;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ike.Keys;

namespace Appliance.Protocols.Tests.Ike.Keys;

/// <summary>
/// RFC 2409 derivations with fixed inputs. IKEv1 publishes no key-derivation vectors; the expected
/// values were computed independently with Python's hmac/hashlib from the RFC formulas, e.g.
/// <c>hmac.new(psk, ni + nr, hashlib.sha1).digest()</c> for SKEYID. The proof that both agree
/// with real peers is the strongSwan interop in tests/interop.
/// </summary>
public class KeyScheduleTests
{
    private static readonly IkePrf Sha1 = new(DigestAlgorithm.Sha1);
    private static readonly byte[] Ni = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
    private static readonly byte[] Nr = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] Gxy = Enumerable.Repeat((byte)0xab, 128).ToArray();
    private static readonly Cookies Cky = new(0x0102030405060708, 0x1112131415161718);

    [Fact]
    public void Psk_skeyid_chain_and_appendix_b_key_stretching()
    {
        using var keys = Phase1Keys.DerivePreSharedKey(Sha1, "interop-test-psk"u8, Ni, Nr, Gxy, Cky, 32);
        Assert.Equal("ac40a08a0eb8b3917eaff27a6f5166ef7f4733f3", Convert.ToHexStringLower(keys.SkeyId));
        Assert.Equal("10672cc4af3e45c8572b26b27b558d0896d6bef4", Convert.ToHexStringLower(keys.SkeyIdD));
        Assert.Equal("9cd4317a392b0a5c6618316eb289a4e5a6e51676", Convert.ToHexStringLower(keys.SkeyIdA));
        Assert.Equal("17f73198ff766f9297098f7d657d72aa23682ac0", Convert.ToHexStringLower(keys.SkeyIdE));
        // AES-256 needs 32 bytes, SHA-1 gives 20: K1 | K2 per Appendix B.
        Assert.Equal("883cb549dc4d128f46469ed73fdfbad05b1324b847c78af2fe208dec31f5dd94", Convert.ToHexStringLower(keys.EncryptionKey));
    }

    [Fact]
    public void Short_keys_are_a_prefix_of_skeyid_e()
    {
        using var keys = Phase1Keys.DerivePreSharedKey(Sha1, "interop-test-psk"u8, Ni, Nr, Gxy, Cky, 16);
        Assert.Equal(keys.SkeyIdE.AsSpan(0, 16).ToArray(), keys.EncryptionKey);
    }

    [Fact]
    public void Quick_mode_keymat_and_hash3()
    {
        using var keys = Phase1Keys.DerivePreSharedKey(Sha1, "interop-test-psk"u8, Ni, Nr, Gxy, Cky, 16);
        byte[] keymat = Phase2Keys.KeyMaterial(Sha1, keys.SkeyIdD, null, 3, 0xc0ffee01, Ni, Nr, 36);
        Assert.Equal("86f97e633bbae217486444a60669588683f9e2136cded65f640a59404d6551542c2824b8", Convert.ToHexStringLower(keymat));
        Assert.Equal("5220f1c4e26f9396b445e49cd017008fc748d530",
            Convert.ToHexStringLower(Phase2Keys.Hash3(Sha1, keys.SkeyIdA, 0x9abcdef0, Ni, Nr)));
    }

    [Fact]
    public void Phase1_iv_and_nat_discovery_hash()
    {
        byte[] iv = Phase1Iv.Initial(Sha1, Enumerable.Repeat((byte)1, 128).ToArray(), Enumerable.Repeat((byte)2, 128).ToArray(), 16);
        Assert.Equal("f64fd25db61edf0bc60f87d4f99dec09", Convert.ToHexStringLower(iv));
        Assert.Equal("2de8bc75918b36f00f9a9640d468ffd55c17ffc1",
            Convert.ToHexStringLower(NatDetection.Hash(Sha1, Cky, IPAddress.Parse("203.0.113.1"), 500)));
    }

    [Fact]
    public void Keys_are_cleared_on_dispose()
    {
        var keys = Phase1Keys.DerivePreSharedKey(Sha1, "interop-test-psk"u8, Ni, Nr, Gxy, Cky, 16);
        keys.Dispose();
        Assert.All(new[] { keys.SkeyId, keys.SkeyIdA, keys.SkeyIdD, keys.SkeyIdE, keys.EncryptionKey },
            k => Assert.All(k, b => Assert.Equal(0, b)));
    }
}
