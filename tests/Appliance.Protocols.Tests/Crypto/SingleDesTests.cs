using Appliance.Protocols.Crypto;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;

namespace Appliance.Protocols.Tests.Crypto;

public class SingleDesTests
{
    // 1-2: the worked examples of J. O. Grabbe, "The DES Algorithm Illustrated".
    // 3-4: entries of Eric Young's DES known-answer table (libdes / OpenSSL test/destest.c),
    //      taken from NBS Special Publication 500-20.
    [Theory]
    [InlineData("133457799BBCDFF1", "0123456789ABCDEF", "85E813540F0AB405")]
    [InlineData("0E329232EA6D0D73", "8787878787878787", "0000000000000000")]
    [InlineData("7CA110454A1A6E57", "01A1D6D039776742", "690F5B0D9A26939B")]
    [InlineData("0131D9619DC1376E", "5CD54CA83DEF57DA", "7A389D10354BD271")]
    public void EncryptBlock_matches_published_vector(string key, string plaintext, string ciphertext)
    {
        var output = new byte[8];
        SingleDes.EncryptBlock(Parse(key), Parse(plaintext), output);
        Assert.Equal(ciphertext, Of(output));

        SingleDes.DecryptBlock(Parse(key), Parse(ciphertext), output);
        Assert.Equal(plaintext, Of(output));
    }

    // Hand-derived: seven key bits per output byte, high bits first, low bit set for odd parity
    // (RFC 2759 §8.6 / FIPS 46-3). 0123456789ABCD worked through bit by bit.
    [Theory]
    [InlineData("00000000000000", "0101010101010101")]
    [InlineData("FFFFFFFFFFFFFF", "FEFEFEFEFEFEFEFE")]
    [InlineData("0123456789ABCD", "0191D0AD794CAE9B")]
    public void ExpandKey_spreads_56_bits_and_sets_odd_parity(string compact, string expanded)
    {
        var key = new byte[8];
        SingleDes.ExpandKey(Parse(compact), key);
        Assert.Equal(expanded, Of(key));
        Assert.All(key, b => Assert.True(System.Numerics.BitOperations.PopCount(b) % 2 == 1));
    }

    [Fact]
    public void Wrong_lengths_throw_ArgumentException()
    {
        var output = new byte[8];
        Assert.Throws<ArgumentException>(() => SingleDes.EncryptBlock(new byte[7], new byte[8], output));
        Assert.Throws<ArgumentException>(() => SingleDes.EncryptBlock(new byte[8], new byte[7], output));
        Assert.Throws<ArgumentException>(() => SingleDes.EncryptBlock(new byte[8], new byte[16], output));
        Assert.Throws<ArgumentException>(() => SingleDes.EncryptBlock(new byte[8], new byte[8], new byte[7]));
        Assert.Throws<ArgumentException>(() => SingleDes.ExpandKey(new byte[8], output));
        Assert.Throws<ArgumentException>(() => SingleDes.ExpandKey(new byte[7], new byte[7]));
    }

    [Fact]
    public void Weak_keys_are_accepted_because_MS_CHAPv2_can_produce_them()
    {
        // 0101010101010101 is a DES weak key (FIPS 74): encryption is an involution.
        byte[] weak = Parse("0101010101010101");
        byte[] plaintext = Parse("0123456789ABCDEF");
        var once = new byte[8];
        var twice = new byte[8];
        SingleDes.EncryptBlock(weak, plaintext, once);
        SingleDes.EncryptBlock(weak, once, twice);
        Assert.Equal(plaintext, twice);
    }
}
