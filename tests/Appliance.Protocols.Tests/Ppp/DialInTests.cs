using System.Net;
using System.Text;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ppp;
using static Appliance.Protocols.Tests.Ppp.PppKit;

namespace Appliance.Protocols.Tests.Ppp;

/// <summary>
/// A whole Windows-style dial-in against the session, with the client half of MS-CHAPv2 and the
/// RFC 2759 §9.2 worked example as the vector: user "User", password "clientPass", the RFC's
/// authenticator and peer challenges must give the RFC's NT-Response and authenticator response.
/// </summary>
public class DialInTests
{
    private const string RfcNtResponse = "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF";
    private const string RfcAuthenticatorResponse = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

    [Fact]
    public void Windows_dial_in_with_the_RFC2759_vector_reaches_the_network_phase()
    {
        var client = new TestClient();
        client.Start();
        client.Send(Lcp(1, 1, "01 04 05 78 05 06 3A 2B 1C 0D 07 02 08 02 0D 03 06")).Only(PppProtocol.Lcp, 4);
        client.OpenLcp();
        client.Send(Lcp(12, 1, "3A2B1C0D" + Convert.ToHexString(Ascii("MSRASV5.20"))));

        // Challenge: Value-Size 16, the 16 random bytes, our name.
        var challenge = client.Challenge!.Value;
        Assert.Equal(TestClient.RfcAuthenticatorChallenge, Convert.ToHexString(client.ChallengeValue));
        Assert.Equal("appliance", Encoding.ASCII.GetString(challenge.Data[17..]));

        var answer = client.RespondMsChapV2("User", "clientPass", out byte[] ntResponse);
        Assert.Equal(RfcNtResponse, Convert.ToHexString(ntResponse));

        var success = answer.Only(PppProtocol.Chap, 3);
        Assert.Equal(challenge.Id, success.Id);
        string message = Encoding.ASCII.GetString(success.Data);
        Assert.Equal(RfcAuthenticatorResponse + " M=Access granted", message);
        // The client half accepts it, as Windows checks it before going on.
        Assert.True(MsChapV2.CheckAuthenticatorResponse(MsChapV2.NtPasswordHash("clientPass"), ntResponse,
            Hex(TestClient.RfcPeerChallenge), Hex(TestClient.RfcAuthenticatorChallenge), Ascii("User"), success.Data[..42]));

        Assert.Equal(new PppAuthenticated("User", "MS-CHAPv2"), Assert.Single(answer.OfType<PppAuthenticated>()));
        Assert.Equal(PppPhase.Network, client.Session.Phase);
        Assert.Equal("User", client.Session.UserName);
        Assert.Equal([IPAddress.Parse("192.168.50.100")], client.Authority.Allocated);
        var ipcpRequest = answer.Only(PppProtocol.Ipcp, 1);
        Assert.Equal("0306C0A83201", ipcpRequest.DataHex);

        // The stored secrets were wiped after use.
        Assert.All(client.Authority.Handed, s => Assert.All(s.NtPasswordHash, b => Assert.Equal(0, b)));
        Assert.All(client.Authority.Handed, s => Assert.All(s.Password!, b => Assert.Equal(0, b)));

        // Windows sends CCP asking MPPE: rejected as a protocol so it gives up CCP.
        var ccp = Frame(PppProtocol.Ccp, 1, 1, Hex("12 06 01 00 00 60"));
        var ccpReject = client.Send(ccp).Only(PppProtocol.Lcp, 8);
        Assert.Equal("80FD" + "0101000A120601000060", ccpReject.DataHex);

        client.NegotiateIpcp(ipcpRequest, "C0A83264");
        var up = Assert.Single(client.All.OfType<PppNetworkUp>());
        Assert.Equal(new PppNetworkUp(Local, IPAddress.Parse("192.168.50.100"), 1400), up);
        Assert.Equal(IPAddress.Parse("192.168.50.100"), client.Session.PeerAddress);
        Assert.Equal(PppAutomatonState.Opened, client.Session.IpcpState);

        // IPV6CP: Protocol-Reject too.
        var v6Reject = client.Send(Frame(PppProtocol.Ipv6cp, 1, 1, Hex("01 0A 0011223344556677"))).Only(PppProtocol.Lcp, 8);
        Assert.StartsWith("8057", v6Reject.DataHex, StringComparison.Ordinal);

        // IP packets in every header form the peer may use.
        byte[] packet = Hex("4500001C00000000401100000A0000010A000002 0000000000080000");
        foreach (string header in new[] { "FF030021", "FF0321", "0021", "21" })
        {
            var ip = Assert.Single(client.Send([.. Hex(header), .. packet]).OfType<PppIpPacket>());
            Assert.Equal(packet, ip.Packet.ToArray());
        }
        Assert.Equal(4, client.Session.Counters.IpPacketsReceived);
        Assert.Equal("MSRASV5.20", client.Session.PeerIdentification);
    }

    [Fact]
    public void Domain_prefix_is_stripped_for_lookup_and_challenge_hash()
    {
        var client = new TestClient();
        client.OpenLcp();
        var answer = client.RespondMsChapV2("WORKGROUP\\User", "clientPass", out _);
        Assert.StartsWith(RfcAuthenticatorResponse, Encoding.ASCII.GetString(answer.Only(PppProtocol.Chap, 3).Data), StringComparison.Ordinal);
        Assert.Equal(["User"], client.Authority.Lookups);
    }

    [Fact]
    public void User_names_match_without_regard_to_case_but_hash_as_sent()
    {
        // The host matches "user" to "User"; the NT-Response covers the name the client sent.
        var client = new TestClient();
        client.OpenLcp();
        var answer = client.RespondMsChapV2("user", "clientPass", out _);
        Assert.Single(answer.OfType<PppAuthenticated>());
    }

    [Fact]
    public void Wrong_password_gets_failure_691_and_no_address()
    {
        var client = new TestClient();
        client.OpenLcp();
        var answer = client.RespondMsChapV2("User", "clientpass", out _);

        var failure = answer.Only(PppProtocol.Chap, 4);
        Assert.Equal($"E=691 R=0 C={TestClient.RfcAuthenticatorChallenge} V=3 M=Authentication failed", Encoding.ASCII.GetString(failure.Data));
        Assert.Equal(new PppAuthenticationFailed("User", "wrong password"), Assert.Single(answer.OfType<PppAuthenticationFailed>()));
        var terminate = answer.Only(PppProtocol.Lcp, 5);
        Assert.DoesNotContain(answer.Frames(), f => f.Protocol == PppProtocol.Ipcp);
        Assert.Empty(client.Authority.Allocated);
        Assert.Equal(PppPhase.Terminate, client.Session.Phase);

        // IPCP from the peer is not even looked at now.
        Assert.Empty(client.Send(Ipcp(1, 1, "03 06 00000000")).Frames());

        var down = client.Send(Lcp(6, terminate.Id));
        Assert.Equal(new PppLinkDown("authentication failed"), Assert.Single(down.OfType<PppLinkDown>()));
        Assert.Empty(client.All.OfType<PppAddressReleased>());
        Assert.Equal(PppPhase.Dead, client.Session.Phase);

        // Logs name the user and reason, never a challenge or response.
        foreach (var log in client.All.OfType<PppLog>())
            foreach (var (_, value) in log.Fields)
                Assert.DoesNotContain(TestClient.RfcAuthenticatorChallenge, value?.ToString() ?? "", StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("Nobody", "unknown user")]
    [InlineData("Disabled", "user disabled")]
    public void Unknown_or_disabled_user_fails_the_same_way_on_the_wire(string name, string reason)
    {
        var authority = new FakeAuthority().User("User", "clientPass").User("Disabled", "clientPass", enabled: false);
        var client = new TestClient(authority: authority);
        client.OpenLcp();
        var answer = client.RespondMsChapV2(name, "clientPass", out _);
        Assert.StartsWith("E=691 R=0 C=", Encoding.ASCII.GetString(answer.Only(PppProtocol.Chap, 4).Data), StringComparison.Ordinal);
        Assert.Equal(reason, Assert.Single(answer.OfType<PppAuthenticationFailed>()).Reason);
        Assert.Empty(authority.Allocated);
    }

    [Fact]
    public void A_repeated_response_gets_the_same_success_again()
    {
        var client = new TestClient();
        client.OpenLcp();
        var first = client.RespondMsChapV2("User", "clientPass", out _).Only(PppProtocol.Chap, 3);
        var again = client.RespondMsChapV2("User", "clientPass", out _);
        Assert.Equal(first.Data, again.Only(PppProtocol.Chap, 3).Data);
        Assert.Single(client.All.OfType<PppAuthenticated>());
        Assert.Single(client.Authority.Allocated);
    }

    [Fact]
    public void Response_to_another_challenge_or_malformed_is_ignored()
    {
        var client = new TestClient();
        client.OpenLcp();
        var data = TestClient.MsChapV2ResponseData(client.ChallengeValue, Hex(TestClient.RfcPeerChallenge), "User", "clientPass", out _);
        Assert.Empty(client.Send(Frame(PppProtocol.Chap, 2, (byte)(client.Challenge!.Value.Id + 1), data)));
        data[0] = 48;
        Assert.Empty(client.Send(Frame(PppProtocol.Chap, 2, client.Challenge!.Value.Id, data)));
        Assert.Equal(PppPhase.Authenticate, client.Session.Phase);
    }

    [Fact]
    public void Challenge_is_repeated_every_3_seconds_and_authentication_times_out_after_30()
    {
        var client = new TestClient();
        client.OpenLcp();
        var firstChallenge = client.Challenge!.Value;
        Assert.Empty(client.Advance(TimeSpan.FromSeconds(2.9)).Frames());
        var repeat = client.Advance(TimeSpan.FromSeconds(0.1)).Only(PppProtocol.Chap, 1);
        Assert.Equal(firstChallenge.Id, repeat.Id);
        Assert.Equal(firstChallenge.Data, repeat.Data);

        List<PppAction> last = [];
        for (int i = 0; i < 9; i++) last = client.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(new PppAuthenticationFailed("", "authentication timed out"), Assert.Single(last.OfType<PppAuthenticationFailed>()));
        last.Only(PppProtocol.Lcp, 5);
        Assert.Equal(PppPhase.Terminate, client.Session.Phase);
    }

    [Fact]
    public void Pool_exhausted_closes_the_link_after_success()
    {
        var authority = new FakeAuthority("10.0.0.1").User("User", "clientPass");
        authority.AllocateAddress("someone else");
        var client = new TestClient(authority: authority);
        client.OpenLcp();
        var answer = client.RespondMsChapV2("User", "clientPass", out _);
        answer.Only(PppProtocol.Chap, 3);
        Assert.DoesNotContain(answer.Frames(), f => f.Protocol == PppProtocol.Ipcp);
        var terminate = answer.Only(PppProtocol.Lcp, 5);
        Assert.Contains(answer.OfType<PppLog>(), l => l.Message.Contains("pool exhausted", StringComparison.Ordinal));
        var down = client.Send(Lcp(6, terminate.Id));
        Assert.Equal("no address available for the peer", Assert.Single(down.OfType<PppLinkDown>()).Reason);
    }

    [Fact]
    public void Static_address_of_the_user_is_handed_out()
    {
        var authority = new FakeAuthority().User("User", "clientPass", staticAddress: "192.168.50.77");
        var client = new TestClient(authority: authority);
        client.OpenLcp();
        var ipcpRequest = client.RespondMsChapV2("User", "clientPass", out _).Only(PppProtocol.Ipcp, 1);
        client.NegotiateIpcp(ipcpRequest, "C0A8324D");
        Assert.Equal(IPAddress.Parse("192.168.50.77"), Assert.Single(client.All.OfType<PppNetworkUp>()).PeerAddress);
    }
}
