using System.Net;
using Appliance.Protocols.Ppp;
using static Appliance.Protocols.Tests.Ppp.PppKit;

namespace Appliance.Protocols.Tests.Ppp;

/// <summary>IPCP in the network phase: addresses, DNS and WINS (RFC 1332, RFC 1877).</summary>
public class IpcpTests
{
    private static (TestClient Client, Sent ServerRequest) Authenticated(PppSessionOptions? options = null)
    {
        var client = new TestClient(options);
        client.OpenLcp();
        var request = client.RespondMsChapV2("User", "clientPass", out _).Only(PppProtocol.Ipcp, 1);
        return (client, request);
    }

    [Fact]
    public void Configured_WINS_is_naked_and_missing_secondary_WINS_rejected()
    {
        var (client, _) = Authenticated(Options(wins1: IPAddress.Parse("192.168.50.2")));
        var reject = client.Send(Ipcp(1, 1, "03 06 00000000 81 06 00000000 82 06 00000000 83 06 00000000 84 06 00000000")).Only(PppProtocol.Ipcp, 4);
        Assert.Equal("840600000000", reject.DataHex);
        var nak = client.Send(Ipcp(1, 2, "03 06 00000000 81 06 00000000 82 06 00000000 83 06 00000000")).Only(PppProtocol.Ipcp, 3);
        Assert.Equal("0306C0A83264 8106C0A83201 8206C0A83202 830609090909".Replace(" ", ""), nak.DataHex);
    }

    [Fact]
    public void No_DNS_configured_means_DNS_is_rejected()
    {
        var (client, _) = Authenticated(Options() with { Dns1 = null, Dns2 = null });
        var reject = client.Send(Ipcp(1, 1, "03 06 00000000 81 06 00000000 83 06 00000000")).Only(PppProtocol.Ipcp, 4);
        Assert.Equal("810600000000830600000000", reject.DataHex);
    }

    [Fact]
    public void A_different_address_is_naked_with_the_assigned_one_and_VJ_is_rejected()
    {
        var (client, _) = Authenticated();
        var nak = client.Send(Ipcp(1, 1, "03 06 0A000005")).Only(PppProtocol.Ipcp, 3);
        Assert.Equal("0306C0A83264", nak.DataHex);
        var reject = client.Send(Ipcp(1, 2, "02 06 002D 0F 01 03 06 C0A83264")).Only(PppProtocol.Ipcp, 4);
        Assert.Equal("0206002D0F01", reject.DataHex);
        // The old IP-Addresses option (RFC 1172) and a wrong-length IP-Address are rejected too.
        Assert.Equal("010A0A0000050A000006", client.Send(Ipcp(1, 3, "01 0A 0A000005 0A000006")).Only(PppProtocol.Ipcp, 4).DataHex);
        Assert.Equal("0305C0A832", client.Send(Ipcp(1, 4, "03 05 C0A832")).Only(PppProtocol.Ipcp, 4).DataHex);
    }

    [Fact]
    public void Peer_that_insists_on_another_address_gets_a_reject_after_Max_Failure_and_never_an_ack()
    {
        var (client, _) = Authenticated();
        for (byte id = 1; id <= OptionAutomaton.MaxFailure; id++)
            client.Send(Ipcp(1, id, "03 06 0A000005")).Only(PppProtocol.Ipcp, 3);
        client.Send(Ipcp(1, 50, "03 06 0A000005")).Only(PppProtocol.Ipcp, 4);
        Assert.Empty(client.All.OfType<PppNetworkUp>());
    }

    [Fact]
    public void A_peer_asking_no_address_is_hinted_once_then_acked()
    {
        var (client, _) = Authenticated();
        var hint = client.Send(Ipcp(1, 1, "81 06 00000000")).Only(PppProtocol.Ipcp, 3);
        Assert.Equal("8106C0A832010306C0A83264", hint.DataHex);
        client.Send(Ipcp(1, 2, "81 06 C0A83201")).Only(PppProtocol.Ipcp, 2);
    }

    [Fact]
    public void Our_request_keeps_our_address_when_naked_and_drops_it_when_rejected()
    {
        var (client, request) = Authenticated();
        var again = client.Send(Ipcp(3, request.Id, "03 06 0A000001")).Only(PppProtocol.Ipcp, 1);
        Assert.Equal("0306C0A83201", again.DataHex);
        var without = client.Send(Ipcp(4, again.Id, "03 06 C0A83201")).Only(PppProtocol.Ipcp, 1);
        Assert.Empty(without.Data);
    }

    [Fact]
    public void IPCP_before_authentication_is_discarded()
    {
        var client = new TestClient();
        client.OpenLcp();
        Assert.Empty(client.Send(Ipcp(1, 1, "03 06 00000000")).Frames());
        Assert.Contains("IPCP before the network phase", client.Session.Counters.Drops.Keys);
    }

    [Fact]
    public void IPCP_renegotiation_takes_the_network_down_and_up_again()
    {
        var (client, request) = Authenticated();
        client.NegotiateIpcp(request, "C0A83264");
        Assert.Single(client.All.OfType<PppNetworkUp>());

        var again = client.Send(Ipcp(1, 9, "03 06 C0A83264"));
        Assert.Single(again.OfType<PppNetworkDown>());
        var newRequest = again.Only(PppProtocol.Ipcp, 1);
        again.Only(PppProtocol.Ipcp, 2);
        client.AckServer(newRequest);
        Assert.Equal(2, client.All.OfType<PppNetworkUp>().Count());
        Assert.Empty(client.Authority.Released);
    }

    [Fact]
    public void Protocol_reject_of_IPCP_ends_the_link()
    {
        var (client, _) = Authenticated();
        var answer = client.Send(Lcp(8, 1, "8021 0101000A 0306C0A83201"));
        Assert.Empty(client.All.OfType<PppNetworkUp>());
        var terminate = answer.Only(PppProtocol.Lcp, 5);
        var down = client.Send(Lcp(6, terminate.Id));
        Assert.StartsWith("IPCP", Assert.Single(down.OfType<PppLinkDown>()).Reason, StringComparison.Ordinal);
        Assert.Equal([IPAddress.Parse("192.168.50.100")], client.Authority.Released);
    }

    [Fact]
    public void IP_before_IPCP_opened_is_dropped()
    {
        var (client, _) = Authenticated();
        Assert.Empty(client.Send(Hex("FF03 0021 4500001400000000")).OfType<PppIpPacket>());
    }
}
