using Appliance.Protocols.Crypto;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;

namespace Appliance.Protocols.Tests.Crypto;

public class HmacTests
{
    private const string Rfc4231LongKeyData = "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.";

    public static TheoryData<DigestAlgorithm, byte[], byte[], string> PublishedVectors => new()
    {
        // RFC 2202 §2, HMAC-MD5 test cases 1-7 (test case 5 full output; truncation is tested below).
        { DigestAlgorithm.Md5, Repeat(0x0B, 16), Ascii("Hi There"), "9294727A3638BB1C13F48EF8158BFC9D" },
        { DigestAlgorithm.Md5, Ascii("Jefe"), Ascii("what do ya want for nothing?"), "750C783E6AB0B503EAA86E310A5DB738" },
        { DigestAlgorithm.Md5, Repeat(0xAA, 16), Repeat(0xDD, 50), "56BE34521D144C88DBB8C733F0E8B3F6" },
        { DigestAlgorithm.Md5, Parse("0102030405060708090A0B0C0D0E0F10111213141516171819"), Repeat(0xCD, 50), "697EAF0ACA3A3AEA3A75164746FFAA79" },
        { DigestAlgorithm.Md5, Repeat(0x0C, 16), Ascii("Test With Truncation"), "56461EF2342EDC00F9BAB995690EFD4C" },
        { DigestAlgorithm.Md5, Repeat(0xAA, 80), Ascii("Test Using Larger Than Block-Size Key - Hash Key First"), "6B1AB7FE4BD7BF8F0B62E6CE61B9D0CD" },
        { DigestAlgorithm.Md5, Repeat(0xAA, 80), Ascii("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"), "6F630FAD67CDA0EE1FB1F562DB3AA53E" },

        // RFC 2202 §3, HMAC-SHA-1 test cases 1-7.
        { DigestAlgorithm.Sha1, Repeat(0x0B, 20), Ascii("Hi There"), "B617318655057264E28BC0B6FB378C8EF146BE00" },
        { DigestAlgorithm.Sha1, Ascii("Jefe"), Ascii("what do ya want for nothing?"), "EFFCDF6AE5EB2FA2D27416D5F184DF9C259A7C79" },
        { DigestAlgorithm.Sha1, Repeat(0xAA, 20), Repeat(0xDD, 50), "125D7342B9AC11CD91A39AF48AA17B4F63F175D3" },
        { DigestAlgorithm.Sha1, Parse("0102030405060708090A0B0C0D0E0F10111213141516171819"), Repeat(0xCD, 50), "4C9007F4026250C6BC8414F9BF50C86C2D7235DA" },
        { DigestAlgorithm.Sha1, Repeat(0x0C, 20), Ascii("Test With Truncation"), "4C1A03424B55E07FE7F27BE1D58BB9324A9A5A04" },
        { DigestAlgorithm.Sha1, Repeat(0xAA, 80), Ascii("Test Using Larger Than Block-Size Key - Hash Key First"), "AA4AE5E15272D00E95705637CE8A3B55ED402112" },
        { DigestAlgorithm.Sha1, Repeat(0xAA, 80), Ascii("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"), "E8E99D0F45237D786D6BBAA7965C7808BBFF1A91" },

        // RFC 4231 §4.2, test case 1.
        { DigestAlgorithm.Sha256, Repeat(0x0B, 20), Ascii("Hi There"), "B0344C61D8DB38535CA8AFCEAF0BF12B881DC200C9833DA726E9376C2E32CFF7" },
        { DigestAlgorithm.Sha384, Repeat(0x0B, 20), Ascii("Hi There"), "AFD03944D84895626B0825F4AB46907F15F9DADBE4101EC682AA034C7CEBC59CFAEA9EA9076EDE7F4AF152E8B2FA9CB6" },
        { DigestAlgorithm.Sha512, Repeat(0x0B, 20), Ascii("Hi There"), "87AA7CDEA5EF619D4FF0B4241A1D6CB02379F4E2CE4EC2787AD0B30545E17CDEDAA833B7D6B8A702038B274EAEA3F4E4BE9D914EEB61F1702E696C203A126854" },

        // RFC 4231 §4.3, test case 2.
        { DigestAlgorithm.Sha256, Ascii("Jefe"), Ascii("what do ya want for nothing?"), "5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843" },
        { DigestAlgorithm.Sha384, Ascii("Jefe"), Ascii("what do ya want for nothing?"), "AF45D2E376484031617F78D2B58A6B1B9C7EF464F5A01B47E42EC3736322445E8E2240CA5E69E2C78B3239ECFAB21649" },
        { DigestAlgorithm.Sha512, Ascii("Jefe"), Ascii("what do ya want for nothing?"), "164B7A7BFCF819E2E395FBE73B56E0A387BD64222E831FD610270CD7EA2505549758BF75C05A994A6D034F65F8F0E6FDCAEAB1A34D4A6B4B636E070A38BCE737" },

        // RFC 4231 §4.4, test case 3.
        { DigestAlgorithm.Sha256, Repeat(0xAA, 20), Repeat(0xDD, 50), "773EA91E36800E46854DB8EBD09181A72959098B3EF8C122D9635514CED565FE" },
        { DigestAlgorithm.Sha384, Repeat(0xAA, 20), Repeat(0xDD, 50), "88062608D3E6AD8A0AA2ACE014C8A86F0AA635D947AC9FEBE83EF4E55966144B2A5AB39DC13814B94E3AB6E101A34F27" },
        { DigestAlgorithm.Sha512, Repeat(0xAA, 20), Repeat(0xDD, 50), "FA73B0089D56A284EFB0F0756C890BE9B1B5DBDD8EE81A3655F83E33B2279D39BF3E848279A722C806B485A47E67C807B946A337BEE8942674278859E13292FB" },

        // RFC 4231 §4.5, test case 4.
        { DigestAlgorithm.Sha256, Parse("0102030405060708090A0B0C0D0E0F10111213141516171819"), Repeat(0xCD, 50), "82558A389A443C0EA4CC819899F2083A85F0FAA3E578F8077A2E3FF46729665B" },
        { DigestAlgorithm.Sha384, Parse("0102030405060708090A0B0C0D0E0F10111213141516171819"), Repeat(0xCD, 50), "3E8A69B7783C25851933AB6290AF6CA77A9981480850009CC5577C6E1F573B4E6801DD23C4A7D679CCF8A386C674CFFB" },
        { DigestAlgorithm.Sha512, Parse("0102030405060708090A0B0C0D0E0F10111213141516171819"), Repeat(0xCD, 50), "B0BA465637458C6990E5A8C5F61D4AF7E576D97FF94B872DE76F8050361EE3DBA91CA5C11AA25EB4D679275CC5788063A5F19741120C4F2DE2ADEBEB10A298DD" },

        // RFC 4231 §4.7, test case 6 (131-byte key).
        { DigestAlgorithm.Sha256, Repeat(0xAA, 131), Ascii("Test Using Larger Than Block-Size Key - Hash Key First"), "60E431591EE0B67F0D8A26AACBF5B77F8E0BC6213728C5140546040F0EE37F54" },
        { DigestAlgorithm.Sha384, Repeat(0xAA, 131), Ascii("Test Using Larger Than Block-Size Key - Hash Key First"), "4ECE084485813E9088D2C63A041BC5B44F9EF1012A2B588F3CD11F05033AC4C60C2EF6AB4030FE8296248DF163F44952" },
        { DigestAlgorithm.Sha512, Repeat(0xAA, 131), Ascii("Test Using Larger Than Block-Size Key - Hash Key First"), "80B24263C7C1A3EBB71493C1DD7BE8B49B46D1F41B4AEEC1121B013783F8F3526B56D037E05F2598BD0FD2215D6A1E5295E64F73F63F0AEC8B915A985D786598" },

        // RFC 4231 §4.8, test case 7 (131-byte key, long data).
        { DigestAlgorithm.Sha256, Repeat(0xAA, 131), Ascii(Rfc4231LongKeyData), "9B09FFA71B942FCB27635FBCD5B0E944BFDC63644F0713938A7F51535C3A35E2" },
        { DigestAlgorithm.Sha384, Repeat(0xAA, 131), Ascii(Rfc4231LongKeyData), "6617178E941F020D351E2F254E8FD32C602420FEB0B8FB9ADCCEBB82461E99C5A678CC31E799176D3860E6110C46523E" },
        { DigestAlgorithm.Sha512, Repeat(0xAA, 131), Ascii(Rfc4231LongKeyData), "E37B6A775DC87DBAA4DFA9F96E5E3FFDDEBD71F8867289865DF5A32D20CDC944B6022CAC3C4982B10D5EEB55C3E4DE15134676FB6DE0446065C97440FA8C6A58" },
    };

    [Theory]
    [MemberData(nameof(PublishedVectors))]
    public void Compute_matches_published_vector(DigestAlgorithm algorithm, byte[] key, byte[] data, string expected)
    {
        Assert.Equal(expected, Of(Hmac.Compute(algorithm, key, data)));
        Assert.True(Hmac.Verify(algorithm, key, data, Parse(expected)));
    }

    // RFC 2202 test case 5: HMAC-MD5-96 = 56461EF2342EDC00F9BAB995, HMAC-SHA-1-96 = 4C1A03424B55E07FE7F27BE1.
    // RFC 4231 §4.6 test case 5: the leftmost 128 bits for SHA-256/384/512.
    [Theory]
    [InlineData(DigestAlgorithm.Md5, 16, "56461EF2342EDC00F9BAB995")]
    [InlineData(DigestAlgorithm.Sha1, 20, "4C1A03424B55E07FE7F27BE1")]
    [InlineData(DigestAlgorithm.Sha256, 20, "A3B6167473100EE06E0C796C2955552B")]
    [InlineData(DigestAlgorithm.Sha384, 20, "3ABF34C3503B2A23A46EFC619BAEF897")]
    [InlineData(DigestAlgorithm.Sha512, 20, "415FAD6271580A531D4179BC891D87A6")]
    public void Truncated_MAC_matches_published_vector(DigestAlgorithm algorithm, int keyLength, string truncated)
    {
        byte[] key = Repeat(0x0C, keyLength);
        byte[] data = Ascii("Test With Truncation");
        byte[] full = Hmac.Compute(algorithm, key, data);
        Assert.StartsWith(truncated, Of(full), StringComparison.Ordinal);

        // Verify follows RFC 2104 §5 (keep at least half the output): RFC 4231's 128-bit truncation
        // of SHA-384/512 is below that and refused; the RFC 4868 lengths (half) are accepted.
        bool allowed = truncated.Length / 2 >= full.Length / 2;
        Assert.Equal(allowed, Hmac.Verify(algorithm, key, data, Parse(truncated)));
        byte[] half = full[..Math.Max(12, full.Length / 2)];
        Assert.True(Hmac.Verify(algorithm, key, data, half));

        half[^1] ^= 0x80;
        Assert.False(Hmac.Verify(algorithm, key, data, half));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(21)]
    public void Verify_with_bad_MAC_length_returns_false(int length)
    {
        byte[] mac = Hmac.Compute(DigestAlgorithm.Sha1, "k"u8, "d"u8);
        byte[] candidate = new byte[length];
        mac.AsSpan(0, Math.Min(length, mac.Length)).CopyTo(candidate);
        Assert.False(Hmac.Verify(DigestAlgorithm.Sha1, "k"u8, "d"u8, candidate));
    }

    [Fact]
    public void Verify_rejects_truncation_below_half_the_output()
    {
        // 12 bytes is below half of SHA-512's 64; RFC 2104 §5 forbids it.
        byte[] mac = Hmac.Compute(DigestAlgorithm.Sha512, "k"u8, "d"u8);
        Assert.False(Hmac.Verify(DigestAlgorithm.Sha512, "k"u8, "d"u8, mac.AsSpan(0, 12)));
        Assert.True(Hmac.Verify(DigestAlgorithm.Sha512, "k"u8, "d"u8, mac.AsSpan(0, 32)));
    }

    [Fact]
    public void Compute_into_short_destination_throws_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Hmac.Compute(DigestAlgorithm.Sha256, "k"u8, "d"u8, new byte[16]));
    }
}
