using Appliance.Protocols.Crypto;
using Org.BouncyCastle.Crypto.Agreement;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;
using NBigInteger = System.Numerics.BigInteger;

namespace Appliance.Protocols.Tests.Crypto;

public class ModpDiffieHellmanTests
{
    public static TheoryData<int> ModpGroups => new() { 2, 5, 14, 15, 16 };

    // The hex constants were written from RFC 2409 §6.2 and RFC 3526 §2-5; BouncyCastle carries an
    // independent transcription of the same RFCs, so both must agree bit for bit.
    [Fact]
    public void Primes_match_BouncyCastle_transcription_of_the_RFCs()
    {
        Assert.Equal(DHStandardGroups.rfc2409_1024.P.ToByteArrayUnsigned(), ModpGroup.Modp1024.Prime.ToArray());
        Assert.Equal(DHStandardGroups.rfc3526_1536.P.ToByteArrayUnsigned(), ModpGroup.Modp1536.Prime.ToArray());
        Assert.Equal(DHStandardGroups.rfc3526_2048.P.ToByteArrayUnsigned(), ModpGroup.Modp2048.Prime.ToArray());
        Assert.Equal(DHStandardGroups.rfc3526_3072.P.ToByteArrayUnsigned(), ModpGroup.Modp3072.Prime.ToArray());
        Assert.Equal(DHStandardGroups.rfc3526_4096.P.ToByteArrayUnsigned(), ModpGroup.Modp4096.Prime.ToArray());
        Assert.All(new[] { ModpGroup.Modp1024, ModpGroup.Modp2048 }, g => Assert.Equal(2, g.Generator));
    }

    // RFC 2412 Appendix E / RFC 3526: p = 2^n - 2^(n-64) - 1 + 2^64 * (...), so the top and bottom
    // 64 bits are all ones and the length is exactly n bits.
    [Theory]
    [InlineData(2, 1024)]
    [InlineData(5, 1536)]
    [InlineData(14, 2048)]
    [InlineData(15, 3072)]
    [InlineData(16, 4096)]
    public void Prime_has_the_RFC_structure(int id, int bits)
    {
        ModpGroup group = ModpGroup.FromId(id)!;
        Assert.Equal(id, group.Id);
        Assert.Equal(bits / 8, group.PrimeLength);
        Assert.True(group.Prime[..8].ToArray().All(b => b == 0xFF));
        Assert.True(group.Prime[^8..].ToArray().All(b => b == 0xFF));
        Assert.Equal("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1", Of(group.Prime[..24]));
    }

    [Fact]
    public void Group14_two_party_agreement_gives_equal_fixed_length_secrets()
    {
        using var alice = new ModpDiffieHellman(ModpGroup.Modp2048, SystemRandomSource.Instance);
        using var bob = new ModpDiffieHellman(ModpGroup.Modp2048, SystemRandomSource.Instance);
        Assert.Equal(14, alice.Group);
        Assert.Equal(256, alice.PublicValue.Length);
        Assert.NotEqual(alice.PublicValue.ToArray(), bob.PublicValue.ToArray());

        byte[] za = alice.DeriveSharedSecret(bob.PublicValue);
        byte[] zb = bob.DeriveSharedSecret(alice.PublicValue);
        Assert.Equal(256, za.Length);
        Assert.Equal(za, zb);
    }

    // Independent check with System.Numerics: g^a, g^b and (g^b)^a = g^(ab) mod p.
    [Fact]
    public void Known_exponents_agree_with_independent_arithmetic()
    {
        ModpGroup group = ModpGroup.Modp2048;
        byte[] a = Parse("3A1E6F0C92B4D7E85F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F70");
        byte[] b = Parse("7F00112233445566778899AABBCCDDEEFF0123456789ABCDEF0123456789ABCD");
        var p = new NBigInteger(group.Prime, isUnsigned: true, isBigEndian: true);
        var na = new NBigInteger(a, isUnsigned: true, isBigEndian: true);
        var nb = new NBigInteger(b, isUnsigned: true, isBigEndian: true);

        using var alice = new ModpDiffieHellman(group, a);
        using var bob = new ModpDiffieHellman(group, b);
        Assert.Equal(FixedLength(NBigInteger.ModPow(2, na, p), 256), alice.PublicValue.ToArray());
        Assert.Equal(FixedLength(NBigInteger.ModPow(2, nb, p), 256), bob.PublicValue.ToArray());

        byte[] expected = FixedLength(NBigInteger.ModPow(2, na * nb, p), 256);
        Assert.Equal(expected, alice.DeriveSharedSecret(bob.PublicValue));
        Assert.Equal(expected, bob.DeriveSharedSecret(alice.PublicValue));
    }

    // RFC 2409 §5: values shorter than the prime are zero-prepended. x = 2 gives g^x = 4.
    [Fact]
    public void Short_values_are_left_padded_to_the_prime_length()
    {
        using var dh = new ModpDiffieHellman(ModpGroup.Modp1024, [0x02]);
        byte[] expected = new byte[128];
        expected[^1] = 4;
        Assert.Equal(expected, dh.PublicValue.ToArray());

        // Peer value 2 (valid): shared secret 2^2 = 4, also padded.
        byte[] peer = new byte[128];
        peer[^1] = 2;
        Assert.Equal(expected, dh.DeriveSharedSecret(peer));
    }

    // The private exponent has exactly PrivateExponentBits bits: an all-zero random source yields
    // x = 2^(bits-1), an all-ones source x = 2^bits - 1.
    [Theory]
    [InlineData(0x00)]
    [InlineData(0xFF)]
    public void Private_exponent_is_masked_to_the_group_exponent_length(byte fill)
    {
        ModpGroup group = ModpGroup.Modp3072;
        int bits = group.PrivateExponentBits;
        NBigInteger x = fill == 0 ? NBigInteger.One << (bits - 1) : (NBigInteger.One << bits) - 1;
        var p = new NBigInteger(group.Prime, isUnsigned: true, isBigEndian: true);

        using var dh = new ModpDiffieHellman(group, new FixedRandomSource(fill));
        Assert.Equal(FixedLength(NBigInteger.ModPow(2, x, p), group.PrimeLength), dh.PublicValue.ToArray());
    }

    [Theory]
    [MemberData(nameof(ModpGroups))]
    public void Validation_rejects_degenerate_out_of_range_and_misframed_values(int id)
    {
        ModpGroup group = ModpGroup.FromId(id)!;
        int len = group.PrimeLength;
        byte[] p = group.Prime.ToArray();
        byte[] pMinusOne = Add(p, -1);
        byte[] pMinusTwo = Add(p, -2);
        byte[] pPlusOne = Add(p, 1);
        byte[] zero = new byte[len];
        byte[] one = new byte[len];
        one[^1] = 1;
        byte[] two = new byte[len];
        two[^1] = 2;

        Assert.False(ModpDiffieHellman.IsValidPublicValue(group, zero));
        Assert.False(ModpDiffieHellman.IsValidPublicValue(group, one));
        Assert.False(ModpDiffieHellman.IsValidPublicValue(group, pMinusOne));
        Assert.False(ModpDiffieHellman.IsValidPublicValue(group, p));
        Assert.False(ModpDiffieHellman.IsValidPublicValue(group, pPlusOne));
        Assert.False(ModpDiffieHellman.IsValidPublicValue(group, Repeat(0xFF, len)));
        Assert.False(ModpDiffieHellman.IsValidPublicValue(group, [0x00, .. two])); // oversize, even if numerically valid
        Assert.False(ModpDiffieHellman.IsValidPublicValue(group, two.AsSpan(1))); // undersize
        Assert.False(ModpDiffieHellman.IsValidPublicValue(group, ReadOnlySpan<byte>.Empty));

        Assert.True(ModpDiffieHellman.IsValidPublicValue(group, two));
        Assert.True(ModpDiffieHellman.IsValidPublicValue(group, pMinusTwo));
    }

    [Fact]
    public void DeriveSharedSecret_throws_ArgumentException_for_invalid_peer_values()
    {
        using var dh = new ModpDiffieHellman(ModpGroup.Modp2048, SystemRandomSource.Instance);
        byte[] p = ModpGroup.Modp2048.Prime.ToArray();
        byte[] one = new byte[256];
        one[^1] = 1;

        Assert.Throws<ArgumentException>(() => dh.DeriveSharedSecret(new byte[256]));
        Assert.Throws<ArgumentException>(() => dh.DeriveSharedSecret(one));
        Assert.Throws<ArgumentException>(() => dh.DeriveSharedSecret(Add(p, -1)));
        Assert.Throws<ArgumentException>(() => dh.DeriveSharedSecret(p));
        Assert.Throws<ArgumentException>(() => dh.DeriveSharedSecret(new byte[257]));
        Assert.Throws<ArgumentException>(() => dh.DeriveSharedSecret(dh.PublicValue[1..]));
    }

    [Fact]
    public void Test_constructor_rejects_out_of_range_exponents()
    {
        Assert.Throws<ArgumentException>(() => new ModpDiffieHellman(ModpGroup.Modp1024, [0x01]));
        Assert.Throws<ArgumentException>(() => new ModpDiffieHellman(ModpGroup.Modp1024, [0x00]));
        Assert.Throws<ArgumentException>(() => new ModpDiffieHellman(ModpGroup.Modp1024, ModpGroup.Modp1024.Prime));
    }

    [Fact]
    public void Derive_after_dispose_throws()
    {
        var dh = new ModpDiffieHellman(ModpGroup.Modp1024, SystemRandomSource.Instance);
        byte[] peer = dh.PublicValue.ToArray();
        dh.Dispose();
        Assert.Throws<ObjectDisposedException>(() => dh.DeriveSharedSecret(peer));
    }

    private static byte[] FixedLength(NBigInteger value, int length)
    {
        byte[] minimal = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = new byte[length];
        minimal.CopyTo(result, length - minimal.Length);
        return result;
    }

    private static byte[] Add(byte[] bigEndian, int delta)
    {
        var value = new NBigInteger(bigEndian, isUnsigned: true, isBigEndian: true) + delta;
        return FixedLength(value, bigEndian.Length + (value.GetBitLength() > bigEndian.Length * 8 ? 1 : 0));
    }
}
