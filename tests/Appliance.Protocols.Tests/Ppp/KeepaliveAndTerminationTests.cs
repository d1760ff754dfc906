using System.Net;
using Appliance.Protocols.Ppp;
using static Appliance.Protocols.Tests.Ppp.PppKit;

namespace Appliance.Protocols.Tests.Ppp;

/// <summary>How a link that is up ends: echo timeout, the peer's Terminate, our Close, the lower layer.</summary>
public class KeepaliveAndTerminationTests
{
    private static readonly IPAddress Assigned = IPAddress.Parse("192.168.50.100");

    private static TestClient NetworkUp(PppSessionOptions? options = null)
    {
        var client = new TestClient(options);
        client.OpenLcp();
        var request = client.RespondMsChapV2("User", "clientPass", out _).Only(PppProtocol.Ipcp, 1);
        client.NegotiateIpcp(request, "C0A83264");
        Assert.Equal(PppPhase.Network, client.Session.Phase);
        return client;
    }

    private static void AssertWentDown(TestClient client, List<PppAction> step, string reason)
    {
        Assert.Equal(new PppNetworkDown(Assigned, reason), Assert.Single(step.OfType<PppNetworkDown>()));
        Assert.Equal(new PppAddressReleased(Assigned), Assert.Single(step.OfType<PppAddressReleased>()));
        Assert.Equal(new PppLinkDown(reason), step[^1]);
        Assert.Equal([Assigned], client.Authority.Released);
        Assert.Equal(PppPhase.Dead, client.Session.Phase);
        Assert.Null(client.Session.PeerAddress);
        Assert.Null(client.Session.NextTimer);
    }

    [Fact]
    public void Echo_requests_every_30_seconds_and_four_misses_take_the_link_down()
    {
        var client = NetworkUp();
        // The LCP restart timer stopped when LCP opened; the next timer is the first echo.
        Assert.Equal(client.Now + TimeSpan.FromSeconds(30), client.Session.NextTimer);
        Assert.Empty(client.Advance(TimeSpan.FromSeconds(29)).Frames());

        var echo = client.Advance(TimeSpan.FromSeconds(1)).Only(PppProtocol.Lcp, 9);
        Assert.Equal(TestClient.ServerMagic, echo.DataHex);
        // An answer resets the count of misses.
        client.Send(Lcp(10, echo.Id, "3A2B1C0D"));
        Assert.Equal(1, client.Session.Counters.EchoRepliesReceived);

        for (int i = 0; i < 4; i++) client.Advance(TimeSpan.FromSeconds(30)).Only(PppProtocol.Lcp, 9);
        var down = client.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(down.Frames());
        AssertWentDown(client, down, "no answer to 4 LCP Echo-Requests");
        Assert.Empty(client.Advance(TimeSpan.FromSeconds(30)));
        Assert.Empty(client.Send(Lcp(9, 1, "3A2B1C0D")));
    }

    [Fact]
    public void An_echo_reply_carrying_our_own_magic_does_not_count()
    {
        var client = NetworkUp(Options() with { EchoFailures = 1 });
        var echo = client.Advance(TimeSpan.FromSeconds(30)).Only(PppProtocol.Lcp, 9);
        client.Send(Lcp(10, echo.Id, TestClient.ServerMagic));
        Assert.Single(client.Advance(TimeSpan.FromSeconds(30)).OfType<PppLinkDown>());
    }

    [Fact]
    public void Keepalive_can_be_turned_off_and_stops_when_the_peer_rejects_echo()
    {
        var off = NetworkUp(Options() with { EchoInterval = TimeSpan.Zero });
        Assert.Null(off.Session.NextTimer);
        Assert.Empty(off.Advance(TimeSpan.FromHours(1)));

        var client = NetworkUp();
        var echo = client.Advance(TimeSpan.FromSeconds(30)).Only(PppProtocol.Lcp, 9);
        client.Send(Lcp(7, 1, "09" + echo.Id.ToString("X2") + "0008" + TestClient.ServerMagic));
        Assert.Null(client.Session.NextTimer);
        Assert.Equal(PppAutomatonState.Opened, client.Session.LcpState);
    }

    [Fact]
    public void Peer_terminate_is_acked_and_the_link_goes_down_one_restart_interval_later()
    {
        var client = NetworkUp();
        var step = client.Send(Lcp(5, 0x33));
        Assert.Equal(0x33, step.Only(PppProtocol.Lcp, 6).Id);
        Assert.Single(step.OfType<PppNetworkDown>());
        Assert.Single(step.OfType<PppAddressReleased>());
        Assert.Equal(PppPhase.Terminate, client.Session.Phase);

        Assert.Empty(client.Advance(TimeSpan.FromSeconds(2.9)).OfType<PppLinkDown>());
        var down = client.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(new PppLinkDown("peer terminated the link"), Assert.Single(down.OfType<PppLinkDown>()));
        Assert.Equal([Assigned], client.Authority.Released);
    }

    [Fact]
    public void Our_close_sends_two_terminate_requests_then_goes_down()
    {
        var client = NetworkUp();
        var step = client.Session.Close("administrator", client.Now);
        step.Only(PppProtocol.Lcp, 5);
        Assert.Equal(new PppNetworkDown(Assigned, "administrator"), Assert.Single(step.OfType<PppNetworkDown>()));
        client.Advance(TimeSpan.FromSeconds(3)).Only(PppProtocol.Lcp, 5);
        var down = client.Advance(TimeSpan.FromSeconds(3));
        Assert.Empty(down.Frames());
        Assert.Equal(new PppLinkDown("administrator"), Assert.Single(down.OfType<PppLinkDown>()));
        Assert.Equal([Assigned], client.Authority.Released);
    }

    [Fact]
    public void Our_close_ends_at_the_peers_terminate_ack()
    {
        var client = NetworkUp();
        var request = client.Session.Close("administrator", client.Now).Only(PppProtocol.Lcp, 5);
        var down = client.Send(Lcp(6, request.Id));
        Assert.Equal(new PppLinkDown("administrator"), Assert.Single(down.OfType<PppLinkDown>()));
    }

    [Fact]
    public void Lower_layer_down_ends_everything_at_once()
    {
        var client = NetworkUp();
        var step = client.Session.LowerLayerDown("L2TP session closed", client.Now);
        Assert.Empty(step.Frames());
        AssertWentDown(client, step, "L2TP session closed");
    }

    [Fact]
    public void LCP_renegotiation_after_network_up_starts_over_with_authentication()
    {
        var client = NetworkUp();
        var step = client.Send(Lcp(1, 40, TestClient.WindowsCleanLcp));
        Assert.Single(step.OfType<PppNetworkDown>());
        Assert.Single(step.OfType<PppAddressReleased>());
        var request = step.Only(PppProtocol.Lcp, 1);
        step.Only(PppProtocol.Lcp, 2);
        Assert.Equal(PppPhase.Establish, client.Session.Phase);

        var opened = client.AckServer(request);
        var challenge = opened.Only(PppProtocol.Chap, 1);
        Assert.Equal(PppPhase.Authenticate, client.Session.Phase);
        var data = TestClient.MsChapV2ResponseData(challenge.Data[1..17], Hex(TestClient.RfcPeerChallenge), "User", "clientPass", out _);
        var answer = client.Send(Frame(PppProtocol.Chap, 2, challenge.Id, data));
        answer.Only(PppProtocol.Chap, 3);
        answer.Only(PppProtocol.Ipcp, 1);
        Assert.Equal(2, client.Authority.Allocated.Count);
    }

    [Fact]
    public void LCP_that_never_converges_goes_down_after_ten_requests()
    {
        var client = new TestClient();
        client.Start();
        int requests = 1;
        for (int i = 0; i < 9; i++) requests += client.Advance(TimeSpan.FromSeconds(3)).Frames().Count(f => f.Code == 1);
        Assert.Equal(OptionAutomaton.MaxConfigure, requests);
        var down = client.Advance(TimeSpan.FromSeconds(3));
        Assert.Contains("did not converge", Assert.Single(down.OfType<PppLinkDown>()).Reason, StringComparison.Ordinal);
    }
}
