using System.Text;
using Appliance.Protocols.Crypto;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;

namespace Appliance.Protocols.Tests.Crypto;

// RFC 2759 §9.2 "Sample Data": every intermediate value of the worked example.
public class MsChapV2Tests
{
    private static readonly byte[] UserName = Ascii("User");
    private const string Password = "clientPass";
    private static readonly byte[] AuthenticatorChallenge = Parse("5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28");
    private static readonly byte[] PeerChallenge = Parse("21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E");
    private const string Challenge = "D02E4386BCE91226";
    private const string PasswordHash = "44EBBA8D5312B8D611474411F56989AE";
    private const string NTResponse = "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF";
    private const string PasswordHashHash = "41C00C584BD2D91C4017A2A12FA59F3F";
    private const string AuthenticatorResponse = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

    [Fact]
    public void NtPasswordHash_matches_RFC2759()
    {
        Assert.Equal(PasswordHash, Of(MsChapV2.NtPasswordHash(Password)));
    }

    [Fact]
    public void HashNtPasswordHash_matches_RFC2759()
    {
        Assert.Equal(PasswordHashHash, Of(MsChapV2.HashNtPasswordHash(Parse(PasswordHash))));
    }

    [Fact]
    public void ChallengeHash_matches_RFC2759()
    {
        Assert.Equal(Challenge, Of(MsChapV2.ChallengeHash(PeerChallenge, AuthenticatorChallenge, UserName)));
    }

    [Fact]
    public void ChallengeResponse_matches_RFC2759()
    {
        var response = new byte[24];
        MsChapV2.ChallengeResponse(Parse(Challenge), Parse(PasswordHash), response);
        Assert.Equal(NTResponse, Of(response));
    }

    [Fact]
    public void GenerateNTResponse_matches_RFC2759_from_password_and_from_hash()
    {
        Assert.Equal(NTResponse, Of(MsChapV2.GenerateNTResponse(AuthenticatorChallenge, PeerChallenge, UserName, Password)));
        Assert.Equal(NTResponse, Of(MsChapV2.GenerateNTResponseFromHash(AuthenticatorChallenge, PeerChallenge, UserName, Parse(PasswordHash))));
    }

    [Fact]
    public void GenerateAuthenticatorResponse_matches_RFC2759()
    {
        Assert.Equal(AuthenticatorResponse, MsChapV2.GenerateAuthenticatorResponse(Password, Parse(NTResponse), PeerChallenge, AuthenticatorChallenge, UserName));
        Assert.Equal(AuthenticatorResponse, MsChapV2.GenerateAuthenticatorResponseFromHash(Parse(PasswordHash), Parse(NTResponse), PeerChallenge, AuthenticatorChallenge, UserName));
    }

    [Fact]
    public void VerifyNTResponse_accepts_the_RFC_response_and_rejects_others()
    {
        byte[] hash = Parse(PasswordHash);
        byte[] response = Parse(NTResponse);
        Assert.True(MsChapV2.VerifyNTResponse(AuthenticatorChallenge, PeerChallenge, UserName, hash, response));

        response[23] ^= 1;
        Assert.False(MsChapV2.VerifyNTResponse(AuthenticatorChallenge, PeerChallenge, UserName, hash, response));
        response[23] ^= 1;

        Assert.False(MsChapV2.VerifyNTResponse(AuthenticatorChallenge, PeerChallenge, Ascii("user"), hash, response));
        Assert.False(MsChapV2.VerifyNTResponse(AuthenticatorChallenge, PeerChallenge, UserName, MsChapV2.NtPasswordHash("clientpass"), response));
    }

    [Theory]
    [InlineData(16, 16, 16, 23)]
    [InlineData(16, 16, 16, 25)]
    [InlineData(15, 16, 16, 24)]
    [InlineData(16, 17, 16, 24)]
    [InlineData(16, 16, 15, 24)]
    public void VerifyNTResponse_with_malformed_lengths_returns_false(int authLength, int peerLength, int hashLength, int responseLength)
    {
        Assert.False(MsChapV2.VerifyNTResponse(new byte[authLength], new byte[peerLength], UserName, new byte[hashLength], new byte[responseLength]));
    }

    [Fact]
    public void CheckAuthenticatorResponse_accepts_RFC_value_in_either_case_and_rejects_others()
    {
        byte[] hash = Parse(PasswordHash);
        byte[] nt = Parse(NTResponse);
        Assert.True(MsChapV2.CheckAuthenticatorResponse(hash, nt, PeerChallenge, AuthenticatorChallenge, UserName, Encoding.ASCII.GetBytes(AuthenticatorResponse)));
        Assert.True(MsChapV2.CheckAuthenticatorResponse(hash, nt, PeerChallenge, AuthenticatorChallenge, UserName, Encoding.ASCII.GetBytes("S=" + AuthenticatorResponse[2..].ToLowerInvariant())));
        Assert.False(MsChapV2.CheckAuthenticatorResponse(hash, nt, PeerChallenge, AuthenticatorChallenge, UserName, Encoding.ASCII.GetBytes("S=407A5589115FD0D6209F510FE9C04566932CDA57")));
        Assert.False(MsChapV2.CheckAuthenticatorResponse(hash, nt, PeerChallenge, AuthenticatorChallenge, UserName, Encoding.ASCII.GetBytes("X=407A5589115FD0D6209F510FE9C04566932CDA56")));
        Assert.False(MsChapV2.CheckAuthenticatorResponse(hash, nt, PeerChallenge, AuthenticatorChallenge, UserName, Encoding.ASCII.GetBytes("S=407A5589115FD0D6209F510FE9C04566932CDA5")));
        Assert.False(MsChapV2.CheckAuthenticatorResponse(hash, nt, PeerChallenge, AuthenticatorChallenge, UserName, Encoding.ASCII.GetBytes("S=407A5589115FD0D6209F510FE9C04566932CDAZZ")));
        Assert.False(MsChapV2.CheckAuthenticatorResponse(hash, nt.AsSpan(1), PeerChallenge, AuthenticatorChallenge, UserName, Encoding.ASCII.GetBytes(AuthenticatorResponse)));
    }

    [Fact]
    public void Generators_reject_malformed_lengths_with_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => MsChapV2.ChallengeHash(new byte[15], AuthenticatorChallenge, UserName));
        Assert.Throws<ArgumentException>(() => MsChapV2.ChallengeHash(PeerChallenge, new byte[17], UserName));
        Assert.Throws<ArgumentException>(() => MsChapV2.ChallengeResponse(new byte[7], new byte[16], new byte[24]));
        Assert.Throws<ArgumentException>(() => MsChapV2.ChallengeResponse(new byte[8], new byte[15], new byte[24]));
        Assert.Throws<ArgumentException>(() => MsChapV2.ChallengeResponse(new byte[8], new byte[16], new byte[23]));
        Assert.Throws<ArgumentException>(() => MsChapV2.HashNtPasswordHash(new byte[15]));
        Assert.Throws<ArgumentException>(() => MsChapV2.GenerateAuthenticatorResponseFromHash(new byte[16], new byte[23], PeerChallenge, AuthenticatorChallenge, UserName));
        Assert.Throws<ArgumentException>(() => MsChapV2.NtPasswordHash(new string('x', 257)));
    }

    [Fact]
    public void Password_of_256_characters_is_accepted()
    {
        Assert.Equal(16, MsChapV2.NtPasswordHash(new string('x', 256)).Length);
    }

    // NtPasswordHash is MD4 over UTF-16LE (RFC 2759 §8.3); for "clientPass" the RFC lists the
    // Unicode bytes 63 00 6C 00 69 00 ..., so hashing them directly must agree.
    [Fact]
    public void NtPasswordHash_hashes_little_endian_UTF16()
    {
        byte[] unicode = Parse("63 00 6C 00 69 00 65 00 6E 00 74 00 50 00 61 00 73 00 73 00");
        Assert.Equal(PasswordHash, Of(Md4.Hash(unicode)));
    }

    [Theory]
    [InlineData("User", "User")]
    [InlineData("CORP\\User", "User")]
    [InlineData("a\\b\\User", "User")]
    [InlineData("", "")]
    public void UserNameWithoutDomain_strips_the_domain_prefix(string input, string expected)
    {
        Assert.Equal(expected, Encoding.ASCII.GetString(MsChapV2.UserNameWithoutDomain(Ascii(input))));
    }
}
