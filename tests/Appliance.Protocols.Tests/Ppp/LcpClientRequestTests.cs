using Appliance.Protocols.Ppp;
using static Appliance.Protocols.Tests.Ppp.PppKit;

namespace Appliance.Protocols.Tests.Ppp;

/// <summary>
/// The LCP Configure-Requests of the clients in shared/reference/clients.md, and what we answer.
/// Replies are compared byte for byte: a Configure-Reject must list exactly the rejected options,
/// verbatim and in the order received (RFC 1661 §5.4).
/// </summary>
public class LcpClientRequestTests
{
    private const string WindowsEndpointDiscriminator = "13 17 01 5C9A3E210F444B8E9A1B2C3D4E5F60718293A4B5";

    // MRU 1400, magic, PFC, ACFC, Callback (operation 6: CBCP), MRRU 1614, Endpoint Discriminator (class 1, 20 bytes).
    private const string WindowsFirstLcp = "01 04 05 78 05 06 3A 2B 1C 0D 07 02 08 02 0D 03 06 11 04 06 4E " + WindowsEndpointDiscriminator;

    private static (TestClient Client, List<PppAction> Start) Started()
    {
        var client = new TestClient();
        return (client, client.Start());
    }

    [Fact]
    public void Our_request_asks_MRU_1400_MS_CHAPv2_and_a_magic_number()
    {
        var (client, start) = Started();
        var request = start.Only(PppProtocol.Lcp, 1);
        Assert.Equal(Hex("01 04 05 78 03 05 C2 23 81 05 06" + TestClient.ServerMagic), request.Data);
        Assert.Equal(PppPhase.Establish, client.Session.Phase);
    }

    [Fact]
    public void Our_request_leaves_out_MRU_when_it_is_the_default_1500()
    {
        var client = new TestClient(Options() with { Mru = 1500 });
        var request = client.Start().Only(PppProtocol.Lcp, 1);
        Assert.Equal(Hex("03 05 C2 23 81 05 06" + TestClient.ServerMagic), request.Data);
    }

    [Fact]
    public void Windows_first_request_gets_a_reject_of_callback_MRRU_and_endpoint_discriminator()
    {
        var (client, _) = Started();
        var reply = client.Send(Lcp(1, 1, WindowsFirstLcp));
        var reject = reply.Only(PppProtocol.Lcp, 4);
        Assert.Equal(1, reject.Id);
        Assert.Equal(Convert.ToHexString(Hex("0D 03 06 11 04 06 4E " + WindowsEndpointDiscriminator)), reject.DataHex);
        Assert.Single(reply.Frames());
        Assert.Equal(PppAutomatonState.RequestSent, client.Session.LcpState);
    }

    [Fact]
    public void Windows_second_request_is_acknowledged_and_LCP_opens_with_MRU_1400()
    {
        var (client, _) = Started();
        client.Send(Lcp(1, 1, WindowsFirstLcp));
        var ack = client.Send(Lcp(1, 2, TestClient.WindowsCleanLcp)).Only(PppProtocol.Lcp, 2);
        Assert.Equal(2, ack.Id);
        Assert.Equal(Convert.ToHexString(Hex(TestClient.WindowsCleanLcp)), ack.DataHex);

        var opened = client.AckServer(client.ServerLcpRequest!.Value);
        Assert.Equal(PppAutomatonState.Opened, client.Session.LcpState);
        Assert.Equal(PppPhase.Authenticate, client.Session.Phase);
        Assert.Equal(1400, client.Session.NegotiatedMru);
        Assert.Equal(PppAuthenticationMethod.MsChapV2, client.Session.AuthenticationMethod);
        // Opening LCP starts authentication at once: the Challenge goes out in the same step.
        Assert.Single(opened.Frames(), f => f.Protocol == PppProtocol.Chap && f.Code == 1);
    }

    [Theory]
    // macOS / iOS: MRU 1500, ACCM 0, magic, PFC, ACFC.
    [InlineData("01 04 05 DC 02 06 00000000 05 06 5E 11 77 02 07 02 08 02", 1400)]
    // Android: MRU 1400 (older) and 1270 (later), magic, PFC, ACFC.
    [InlineData("01 04 05 78 05 06 0F 1E 2D 3C 07 02 08 02", 1400)]
    [InlineData("01 04 04 F6 05 06 0F 1E 2D 3C 07 02 08 02", 1270)]
    // ChromeOS / Linux pppd: MRU 1410, ACCM, magic, PFC, ACFC.
    [InlineData("01 04 05 82 02 06 00000000 05 06 01 02 03 04 07 02 08 02", 1400)]
    // A peer that asks nothing at all: MRU 1500 by default.
    [InlineData("", 1400)]
    public void Other_clients_requests_are_acknowledged_verbatim(string options, int negotiatedMru)
    {
        var (client, _) = Started();
        var ack = client.Send(Lcp(1, 9, options)).Only(PppProtocol.Lcp, 2);
        Assert.Equal(9, ack.Id);
        Assert.Equal(Convert.ToHexString(Hex(options)), ack.DataHex);
        client.AckServer(client.ServerLcpRequest!.Value);
        Assert.Equal(PppAutomatonState.Opened, client.Session.LcpState);
        Assert.Equal(negotiatedMru, client.Session.NegotiatedMru);
    }

    [Theory]
    [InlineData("05 DD")] // 1501
    [InlineData("04 F5")] // 1269
    [InlineData("02 40")] // 576
    [InlineData("FF FF")]
    public void MRU_outside_1270_to_1500_is_naked_with_1400(string mru)
    {
        var (client, _) = Started();
        var nak = client.Send(Lcp(1, 3, "01 04 " + mru + " 05 06 0F 1E 2D 3C")).Only(PppProtocol.Lcp, 3);
        Assert.Equal("01040578", nak.DataHex);
    }

    [Theory]
    [InlineData("03 05 C2 23 81")] // the peer wants us to authenticate to it
    [InlineData("04 08 C0 25 00 00 0B B8")] // Link Quality Reporting
    [InlineData("12 02")] // Short Sequence Number Header
    [InlineData("01 03 05")] // MRU of the wrong length
    [InlineData("05 04 00 01")] // magic number of the wrong length
    [InlineData("7F 03 AA")] // unknown type
    public void Options_we_do_not_take_are_rejected(string option)
    {
        var (client, _) = Started();
        var reject = client.Send(Lcp(1, 3, "01 04 05 78 " + option + " 07 02")).Only(PppProtocol.Lcp, 4);
        Assert.Equal(Convert.ToHexString(Hex(option)), reject.DataHex);
    }

    [Fact]
    public void Reject_takes_precedence_over_nak()
    {
        var (client, _) = Started();
        var reject = client.Send(Lcp(1, 3, "01 04 02 40 0D 03 06")).Only(PppProtocol.Lcp, 4);
        Assert.Equal("0D0306", reject.DataHex);
    }

    [Fact]
    public void Malformed_option_list_is_discarded_silently()
    {
        var (client, _) = Started();
        Assert.Empty(client.Send(Lcp(1, 3, "01 04 05 78 05 09 00")).Frames());
        Assert.Empty(client.Send(Lcp(1, 3, "01 01")).Frames());
        Assert.True(client.Session.Counters.FramesDropped >= 2);
    }

    [Fact]
    public void After_Max_Failure_naks_an_unacceptable_option_is_rejected()
    {
        var (client, _) = Started();
        for (byte id = 1; id <= OptionAutomaton.MaxFailure; id++)
            client.Send(Lcp(1, id, "01 04 02 40")).Only(PppProtocol.Lcp, 3);
        var reject = client.Send(Lcp(1, 99, "01 04 02 40")).Only(PppProtocol.Lcp, 4);
        Assert.Equal("01040240", reject.DataHex);
    }

    [Fact]
    public void Our_own_magic_number_is_naked_with_a_new_one_and_repeated_means_a_loop()
    {
        var (client, _) = Started();
        var nak = client.Send(Lcp(1, 1, "05 06" + TestClient.ServerMagic)).Only(PppProtocol.Lcp, 3);
        Assert.Equal(5, nak.Data[0]);
        Assert.NotEqual(TestClient.ServerMagic, Convert.ToHexString(nak.Data[2..6]));
        Assert.NotEqual("00000000", Convert.ToHexString(nak.Data[2..6]));

        client.Send(Lcp(1, 2, "05 06" + TestClient.ServerMagic)).Only(PppProtocol.Lcp, 3);
        // Third time in a row: the link is looped back; we close it.
        var third = client.Send(Lcp(1, 3, "05 06" + TestClient.ServerMagic));
        Assert.Single(third.Frames(), f => f.Protocol == PppProtocol.Lcp && f.Code == 5);
        Assert.Equal(PppPhase.Terminate, client.Session.Phase);
        client.Send(Lcp(6, third.Frames()[0].Id));
        var down = Assert.Single(client.All.OfType<PppLinkDown>());
        Assert.Contains("looped back", down.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Magic_number_zero_is_naked()
    {
        var (client, _) = Started();
        var nak = client.Send(Lcp(1, 1, "05 06 00000000")).Only(PppProtocol.Lcp, 3);
        Assert.NotEqual("00000000", Convert.ToHexString(nak.Data[2..6]));
    }

    [Fact]
    public void A_nak_of_our_magic_number_makes_us_choose_another()
    {
        var (client, _) = Started();
        var first = client.ServerLcpRequest!.Value;
        var next = client.Send(Lcp(3, first.Id, "05 06" + TestClient.ServerMagic)).Only(PppProtocol.Lcp, 1);
        Assert.Equal(first.Data[..^4], next.Data[..^4]);
        Assert.NotEqual(TestClient.ServerMagic, Convert.ToHexString(next.Data[^4..]));
    }

    [Fact]
    public void A_reject_of_MRU_and_magic_drops_them_from_our_request()
    {
        var (client, _) = Started();
        var first = client.ServerLcpRequest!.Value;
        var next = client.Send(Lcp(4, first.Id, "01 04 05 78 05 06" + TestClient.ServerMagic)).Only(PppProtocol.Lcp, 1);
        Assert.Equal("0305C22381", next.DataHex);
    }

    [Fact]
    public void A_reject_naming_an_option_we_did_not_send_is_discarded()
    {
        var (client, _) = Started();
        var first = client.ServerLcpRequest!.Value;
        Assert.Empty(client.Send(Lcp(4, first.Id, "07 02")).Frames());
        Assert.Empty(client.Send(Lcp(4, first.Id, "01 04 05 DC")).Frames());
        // And an Ack must repeat the request exactly.
        Assert.Empty(client.Send(Lcp(2, first.Id, "01 04 05 78")).Frames());
        Assert.Empty(client.Send(Lcp(2, (byte)(first.Id + 1), Convert.ToHexString(first.Data))).Frames());
        Assert.Equal(PppAutomatonState.RequestSent, client.Session.LcpState);
    }

    [Fact]
    public void MRU_nak_within_range_is_followed_and_outside_it_we_stop_asking()
    {
        var (client, _) = Started();
        var first = client.ServerLcpRequest!.Value;
        var second = client.Send(Lcp(3, first.Id, "01 04 05 00")).Only(PppProtocol.Lcp, 1);
        Assert.Equal(Hex("01 04 05 00 03 05 C2 23 81 05 06" + TestClient.ServerMagic), second.Data);
        var third = client.Send(Lcp(3, second.Id, "01 04 00 80")).Only(PppProtocol.Lcp, 1);
        Assert.Equal(Hex("03 05 C2 23 81 05 06" + TestClient.ServerMagic), third.Data);
    }

    [Fact]
    public void Identification_is_recorded_and_time_remaining_and_discard_are_silent()
    {
        var client = new TestClient();
        client.OpenLcp();
        Assert.Empty(client.Send(Lcp(12, 1, "3A2B1C0D" + Convert.ToHexString(Ascii("MSRASV5.20")))).Frames());
        Assert.Empty(client.Send(Lcp(12, 2, "3A2B1C0D" + Convert.ToHexString(Ascii("MSRAS-0-DESKTOP\u0001X")))).Frames());
        Assert.Empty(client.Send(Lcp(13, 3, "3A2B1C0D 00000E10")).Frames());
        Assert.Empty(client.Send(Lcp(11, 4, "3A2B1C0D 0102")).Frames());
        Assert.Equal("MSRASV5.20; MSRAS-0-DESKTOP?X", client.Session.PeerIdentification);
    }

    [Fact]
    public void Unknown_LCP_code_gets_a_code_reject_quoting_it()
    {
        var client = new TestClient();
        client.OpenLcp();
        var reject = client.Send(Lcp(0x20, 5, "AABB")).Only(PppProtocol.Lcp, 7);
        Assert.Equal("20050006AABB", reject.DataHex);
    }

    [Fact]
    public void Echo_request_is_answered_with_our_magic_but_not_when_it_carries_our_own()
    {
        var client = new TestClient();
        client.OpenLcp();
        var reply = client.Send(Lcp(9, 7, "3A2B1C0D CAFE")).Only(PppProtocol.Lcp, 10);
        Assert.Equal(7, reply.Id);
        Assert.Equal(TestClient.ServerMagic + "CAFE", reply.DataHex);
        Assert.Empty(client.Send(Lcp(9, 8, TestClient.ServerMagic)).Frames());
        Assert.Empty(client.Send(Lcp(9, 8, "3A2B")).Frames());
    }

    [Fact]
    public void Echo_request_before_LCP_opened_is_discarded()
    {
        var (client, _) = Started();
        Assert.Empty(client.Send(Lcp(9, 7, "3A2B1C0D")).Frames());
    }
}
