using System.Security.Cryptography;
using System.Text;
using Appliance.Protocols.Ppp;
using static Appliance.Protocols.Tests.Ppp.PppKit;

namespace Appliance.Protocols.Tests.Ppp;

/// <summary>
/// Which authentication protocol we end up asking for when the peer Naks or Rejects ours, and
/// the CHAP-MD5 and PAP exchanges that follow.
/// </summary>
public class AuthenticationFallbackTests
{
    private const string Md5Option = "0305C22305";
    private const string PapOption = "0304C023";

    /// <summary>Our LCP request after the peer Nak'd the authentication option with <paramref name="suggestion"/>.</summary>
    private static (TestClient Client, List<PppAction> Actions) NakAuthentication(TestClient client, string suggestion)
    {
        var request = client.ServerLcpRequest!.Value;
        var actions = client.Send(Lcp(3, request.Id, suggestion));
        return (client, actions);
    }

    private static string AuthOption(Sent request) => Convert.ToHexString(request.Data[4..^6]);

    [Fact]
    public void Nak_suggesting_CHAP_MD5_moves_to_CHAP_MD5()
    {
        var client = new TestClient();
        client.Start();
        var (_, actions) = NakAuthentication(client, "03 05 C2 23 05");
        Assert.Equal(Md5Option, AuthOption(actions.Only(PppProtocol.Lcp, 1)));
    }

    [Fact]
    public void Nak_suggesting_something_unknown_moves_to_the_next_we_support()
    {
        var client = new TestClient();
        client.Start();
        var (_, actions) = NakAuthentication(client, "03 04 C2 27"); // EAP
        Assert.Equal(Md5Option, AuthOption(actions.Only(PppProtocol.Lcp, 1)));
    }

    [Fact]
    public void PAP_is_never_asked_when_not_allowed_and_naking_all_fails_the_link()
    {
        var client = new TestClient();
        client.Start();
        var (_, first) = NakAuthentication(client, "03 04 C0 23");
        var md5Request = first.Only(PppProtocol.Lcp, 1);
        Assert.Equal(Md5Option, AuthOption(md5Request));

        var second = client.Send(Lcp(3, md5Request.Id, "03 04 C0 23"));
        Assert.DoesNotContain(second.Frames(), f => f.Protocol == PppProtocol.Lcp && f.Code == 1);
        var terminate = second.Only(PppProtocol.Lcp, 5);
        var down = client.Send(Lcp(6, terminate.Id));
        Assert.Equal("LCP: peer refused every authentication protocol we offer", Assert.Single(down.OfType<PppLinkDown>()).Reason);
    }

    [Fact]
    public void PAP_suggestion_is_taken_directly_when_allowed()
    {
        var client = new TestClient(Options(allowPap: true));
        client.Start();
        var (_, actions) = NakAuthentication(client, "03 04 C0 23");
        var request = actions.Only(PppProtocol.Lcp, 1);
        Assert.Equal(PapOption, Convert.ToHexString(request.Data[4..^6]));
    }

    [Fact]
    public void Reject_of_authentication_closes_the_link()
    {
        var client = new TestClient();
        client.Start();
        var request = client.ServerLcpRequest!.Value;
        var actions = client.Send(Lcp(4, request.Id, "03 05 C2 23 81"));
        actions.Only(PppProtocol.Lcp, 5);
        Assert.Equal(PppPhase.Terminate, client.Session.Phase);
    }

    /// <summary>LCP opened with CHAP-MD5 agreed (the peer Nak'd MS-CHAPv2), challenge bytes 00..0F.</summary>
    private static TestClient Md5Client(FakeAuthority authority)
    {
        var random = new ScriptedRandom().Then(Hex(TestClient.ServerMagic)).Then(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
        var client = new TestClient(authority: authority, random: random);
        client.Start();
        var md5Request = client.Send(Lcp(3, client.ServerLcpRequest!.Value.Id, "03 05 C2 23 05")).Only(PppProtocol.Lcp, 1);
        client.Send(Lcp(1, 1, TestClient.WindowsCleanLcp));
        var opened = client.AckServer(md5Request);
        Assert.Equal(PppAuthenticationMethod.ChapMd5, client.Session.AuthenticationMethod);
        var challenge = opened.Only(PppProtocol.Chap, 1);
        Assert.Equal("10" + "000102030405060708090A0B0C0D0E0F", Convert.ToHexString(challenge.Data[..17]));
        Assert.Equal(1, challenge.Id);
        return client;
    }

    private static byte[] Md5Response(string value, string name) => [16, .. Hex(value), .. Encoding.ASCII.GetBytes(name)];

    [Fact]
    public void CHAP_MD5_accepts_the_computed_response()
    {
        // MD5(0x01 || "secret" || 00 01 .. 0F), computed with Python's hashlib.
        const string expected = "740E86463BDA3A4D7017D6E0FBA0699D";
        Assert.Equal(expected, Convert.ToHexString(MD5.HashData([1, .. Encoding.ASCII.GetBytes("secret"), .. Enumerable.Range(0, 16).Select(i => (byte)i)])));

        var client = Md5Client(new FakeAuthority().User("alice", "secret"));
        var answer = client.Send(Frame(PppProtocol.Chap, 2, 1, Md5Response(expected, "alice")));
        Assert.Equal("Access granted", Encoding.ASCII.GetString(answer.Only(PppProtocol.Chap, 3).Data));
        Assert.Equal(new PppAuthenticated("alice", "CHAP-MD5"), Assert.Single(answer.OfType<PppAuthenticated>()));
        answer.Only(PppProtocol.Ipcp, 1);
    }

    [Fact]
    public void CHAP_MD5_rejects_a_wrong_response()
    {
        var client = Md5Client(new FakeAuthority().User("alice", "secret"));
        var answer = client.Send(Frame(PppProtocol.Chap, 2, 1, Md5Response("740E86463BDA3A4D7017D6E0FBA0699E", "alice")));
        answer.Only(PppProtocol.Chap, 4);
        Assert.Equal("wrong password", Assert.Single(answer.OfType<PppAuthenticationFailed>()).Reason);
    }

    [Fact]
    public void CHAP_MD5_fails_with_a_clear_reason_when_no_clear_password_is_kept()
    {
        var client = Md5Client(new FakeAuthority().User("alice", "secret", keepClear: false));
        var answer = client.Send(Frame(PppProtocol.Chap, 2, 1, Md5Response("740E86463BDA3A4D7017D6E0FBA0699D", "alice")));
        answer.Only(PppProtocol.Chap, 4);
        Assert.Contains("clear password", Assert.Single(answer.OfType<PppAuthenticationFailed>()).Reason, StringComparison.Ordinal);
    }

    private static TestClient PapClient(FakeAuthority authority)
    {
        var client = new TestClient(Options(allowPap: true), authority);
        client.Start();
        var papRequest = client.Send(Lcp(3, client.ServerLcpRequest!.Value.Id, "03 04 C0 23")).Only(PppProtocol.Lcp, 1);
        client.Send(Lcp(1, 1, TestClient.WindowsCleanLcp));
        var opened = client.AckServer(papRequest);
        Assert.Equal(PppAuthenticationMethod.Pap, client.Session.AuthenticationMethod);
        Assert.Empty(opened.Frames()); // the peer speaks first in PAP
        return client;
    }

    private static byte[] PapRequest(string name, string password) =>
        [(byte)name.Length, .. Encoding.ASCII.GetBytes(name), (byte)password.Length, .. Encoding.ASCII.GetBytes(password)];

    [Fact]
    public void PAP_when_allowed_accepts_the_right_password_and_repeats_its_ack()
    {
        var client = PapClient(new FakeAuthority().User("alice", "secret"));
        var answer = client.Send(Frame(PppProtocol.Pap, 1, 7, PapRequest("alice", "secret")));
        var ack = answer.Only(PppProtocol.Pap, 2);
        Assert.Equal(7, ack.Id);
        Assert.Equal("0E" + Convert.ToHexString(Ascii("Access granted")), ack.DataHex);
        Assert.Equal(new PppAuthenticated("alice", "PAP"), Assert.Single(answer.OfType<PppAuthenticated>()));
        client.Send(Frame(PppProtocol.Pap, 1, 7, PapRequest("alice", "secret"))).Only(PppProtocol.Pap, 2);
        Assert.Single(client.All.OfType<PppAuthenticated>());
    }

    [Theory]
    [InlineData("alice", "secreT", "wrong password")]
    [InlineData("alice", "", "wrong password")]
    [InlineData("bob", "secret", "unknown user")]
    public void PAP_naks_wrong_credentials(string name, string password, string reason)
    {
        var client = PapClient(new FakeAuthority().User("alice", "secret"));
        var answer = client.Send(Frame(PppProtocol.Pap, 1, 7, PapRequest(name, password)));
        answer.Only(PppProtocol.Pap, 3);
        Assert.Equal(reason, Assert.Single(answer.OfType<PppAuthenticationFailed>()).Reason);
        answer.Only(PppProtocol.Lcp, 5);
    }

    [Fact]
    public void PAP_request_while_CHAP_is_agreed_is_ignored()
    {
        var client = new TestClient();
        client.OpenLcp();
        Assert.Empty(client.Send(Frame(PppProtocol.Pap, 1, 7, PapRequest("User", "clientPass"))));
        Assert.Equal(PppPhase.Authenticate, client.Session.Phase);
    }

    [Fact]
    public void Protocol_reject_of_CHAP_fails_authentication()
    {
        var client = new TestClient();
        client.OpenLcp();
        var answer = client.Send(Lcp(8, 1, "C223 01010015"));
        Assert.Equal("peer rejected the authentication protocol", Assert.Single(answer.OfType<PppAuthenticationFailed>()).Reason);
    }
}
