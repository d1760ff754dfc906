using Appliance.Protocols.Crypto;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;

namespace Appliance.Protocols.Tests.Crypto;

public class Md4Tests
{
    // RFC 1320 Appendix A.5, "Test suite" (the complete list).
    [Theory]
    [InlineData("", "31D6CFE0D16AE931B73C59D7E0C089C0")]
    [InlineData("a", "BDE52CB31DE33E46245E05FBDBD6FB24")]
    [InlineData("abc", "A448017AAF21D8525FC10AE87AA6729D")]
    [InlineData("message digest", "D9130A8164549FE818874806E1C7014B")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "D79E1C308AA5BBCDEEA8ED63DF412DA9")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043F8582F241DB351CE627E153E7F0E4")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "E33B4DDC9C38F2199C3E7B164FCC0536")]
    public void Hash_matches_RFC1320_suite(string message, string expected)
    {
        Assert.Equal(expected, Of(Md4.Hash(Ascii(message))));
    }

    [Fact]
    public void Hash_into_short_destination_throws_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Md4.Hash("abc"u8, new byte[15]));
    }
}
