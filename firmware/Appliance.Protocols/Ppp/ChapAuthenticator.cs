using System.Text;
using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Ppp;

/// <summary>
/// CHAP as authenticator (RFC 1994) with MD5 or with Microsoft's MS-CHAPv2 (RFC 2759). We send a
/// Challenge of 16 random bytes and our name, retransmitted until the peer responds, and check the
/// one Response to it.
/// <para>
/// A wrong password ends the attempt: the Failure says "R=0" (no retry) and the session closes the
/// link. Windows, macOS and Android do not prompt again inside one PPP session anyway (Windows
/// shows error 691 and the user redials), and refusing a second guess on the same link halves the
/// rate at which one connection can try passwords.
/// </para>
/// </summary>
internal sealed class ChapAuthenticator(
    PppAuthenticationMethod method,
    PppSessionOptions options,
    IPppAuthority authority,
    IRandomSource random,
    byte identifier) : Authenticator
{
    public const int ChallengeSize = 16;

    private const byte CodeChallenge = 1;
    private const byte CodeResponse = 2;
    private const byte CodeSuccess = 3;
    private const byte CodeFailure = 4;

    /// <summary>RFC 2759 §4: Peer-Challenge 16, Reserved 8, NT-Response 24, Flags 1.</summary>
    private const int MsChapV2ResponseSize = 49;

    private readonly byte[] _challenge = new byte[ChallengeSize];
    private byte[] _challengeData = [];
    private byte[]? _successData;
    private DateTimeOffset? _retransmitAt;

    public override ushort Protocol => PppProtocol.Chap;
    public override PppAuthenticationMethod Method => method;
    public override DateTimeOffset? NextDeadline => _retransmitAt;

    public override void Start(DateTimeOffset now, PppOutput output)
    {
        random.Fill(_challenge);
        byte[] name = Encoding.UTF8.GetBytes(options.ServerName);
        _challengeData = new byte[1 + ChallengeSize + name.Length];
        _challengeData[0] = ChallengeSize;
        _challenge.CopyTo(_challengeData, 1);
        name.CopyTo(_challengeData, 1 + ChallengeSize);
        output.SendControl(Protocol, CodeChallenge, identifier, _challengeData);
        _retransmitAt = now + RetransmitInterval;
    }

    public override void Tick(DateTimeOffset now, PppOutput output)
    {
        if (Done || _retransmitAt is not { } due || now < due) return;
        output.SendControl(Protocol, CodeChallenge, identifier, _challengeData);
        _retransmitAt = now + RetransmitInterval;
    }

    public override AuthenticationVerdict? Receive(ControlPacket packet, DateTimeOffset now, PppOutput output)
    {
        if (packet.Code != CodeResponse)
        {
            output.Drop("CHAP packet other than Response");
            return null;
        }
        if (packet.Identifier != identifier)
        {
            output.Drop("CHAP Response to another Challenge");
            return null;
        }
        if (Done)
        {
            // RFC 1994 §4.2: a repeated Response means our Success was lost.
            if (_successData is not null) output.SendControl(Protocol, CodeSuccess, identifier, _successData);
            else output.Drop("CHAP Response after Failure");
            return null;
        }

        var data = packet.Data;
        int expected = method == PppAuthenticationMethod.MsChapV2 ? MsChapV2ResponseSize : ChapMd5.ResponseSize;
        if (data.Length < 1 || data[0] != expected || data.Length < 1 + expected)
        {
            output.Drop("CHAP Response malformed");
            return null;
        }
        var value = data.Slice(1, expected);
        var rawName = data[(1 + expected)..];

        Done = true;
        _retransmitAt = null;
        var verdict = Verify(value, rawName, out string successMessage);
        if (verdict.Succeeded)
        {
            _successData = Encoding.ASCII.GetBytes(successMessage);
            output.SendControl(Protocol, CodeSuccess, identifier, _successData);
        }
        else
        {
            output.SendControl(Protocol, CodeFailure, identifier, Encoding.ASCII.GetBytes(FailureMessage()));
        }
        return verdict;
    }

    private AuthenticationVerdict Verify(ReadOnlySpan<byte> value, ReadOnlySpan<byte> rawName, out string successMessage)
    {
        successMessage = string.Empty;
        if (!PeerUserName.TryDecode(rawName, out string userName, out string problem))
            return new AuthenticationVerdict(false, PeerUserName.ForLog(rawName), problem);
        var secret = authority.FindUser(userName);
        if (secret is null) return new AuthenticationVerdict(false, userName, "unknown user");
        try
        {
            if (!secret.Enabled) return new AuthenticationVerdict(false, userName, "user disabled");
            return method == PppAuthenticationMethod.MsChapV2
                ? VerifyMsChapV2(secret, value, rawName, userName, out successMessage)
                : VerifyMd5(secret, value, userName, out successMessage);
        }
        finally
        {
            secret.Wipe();
        }
    }

    private AuthenticationVerdict VerifyMsChapV2(PppUserSecret secret, ReadOnlySpan<byte> value, ReadOnlySpan<byte> rawName, string userName, out string successMessage)
    {
        successMessage = string.Empty;
        if (secret.NtPasswordHash.Length != MsChapV2.PasswordHashSize)
            return new AuthenticationVerdict(false, userName, "stored NT password hash has the wrong length");
        var peerChallenge = value[..MsChapV2.ChallengeSize];
        var ntResponse = value.Slice(MsChapV2.ChallengeSize + 8, MsChapV2.NTResponseSize);
        // ChallengeHash covers the name as the peer sent it, minus the domain (RFC 2759 §8.2).
        var hashedName = MsChapV2.UserNameWithoutDomain(rawName);
        if (!MsChapV2.VerifyNTResponse(_challenge, peerChallenge, hashedName, secret.NtPasswordHash, ntResponse))
            return new AuthenticationVerdict(false, userName, "wrong password");
        string authenticatorResponse = MsChapV2.GenerateAuthenticatorResponseFromHash(secret.NtPasswordHash, ntResponse, peerChallenge, _challenge, hashedName);
        successMessage = authenticatorResponse + " M=Access granted";
        return new AuthenticationVerdict(true, userName, string.Empty);
    }

    private AuthenticationVerdict VerifyMd5(PppUserSecret secret, ReadOnlySpan<byte> value, string userName, out string successMessage)
    {
        successMessage = string.Empty;
        if (secret.Password is null)
            return new AuthenticationVerdict(false, userName, "CHAP-MD5 needs the clear password, which is not kept for this user");
        if (!ChapMd5.VerifyResponse(identifier, secret.Password, _challenge, value))
            return new AuthenticationVerdict(false, userName, "wrong password");
        successMessage = "Access granted";
        return new AuthenticationVerdict(true, userName, string.Empty);
    }

    /// <summary>
    /// MS-CHAPv2 Failure (RFC 2759 §6): error 691 (bad credentials), no retry, the challenge, and
    /// version 3 as Windows expects; CHAP-MD5 only carries a message.
    /// </summary>
    private string FailureMessage() => method == PppAuthenticationMethod.MsChapV2
        ? $"E=691 R=0 C={Convert.ToHexString(_challenge)} V=3 M=Authentication failed"
        : "Authentication failed";
}
