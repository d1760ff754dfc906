using System.Net;
using Appliance.Protocols.Ike.Sa;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>RFC 2408 §5 retransmissions, half-open limits and expiry.</summary>
public class RetransmissionAndLimitsTests
{
    private static void AssertCachedReply(Session s, byte[] request, byte[] firstReply)
    {
        int sas = s.Responder.SaCount, established = s.Responder.EstablishedCount;
        var again = s.Send(request);
        var reply = Session.OnlyDatagram(again);
        Assert.Equal(Convert.ToHexString(firstReply), Convert.ToHexString(reply.Data));
        Assert.Equal(s.From, reply.To);
        Assert.Contains(again.OfType<IkeLog>(), l => l.Message == "retransmitted request answered from cache");
        Assert.Empty(again.OfType<InstallChildSa>());
        Assert.Empty(again.OfType<IkeInitialContact>());
        Assert.Equal(sas, s.Responder.SaCount);
        Assert.Equal(established, s.Responder.EstablishedCount);
    }

    [Fact]
    public void Every_retransmitted_request_gets_the_identical_cached_reply_and_changes_nothing()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(60, Net.Psk, Net.Client) { InitialContact = true };
        var s = new Session(responder, initiator);

        s.Step1();
        AssertCachedReply(s, s.Mm1Bytes, s.Mm2);
        AssertCachedReply(s, s.Mm1Bytes, s.Mm2);
        Assert.Equal(1, responder.SaCount);

        s.Step3();
        AssertCachedReply(s, s.Mm3Bytes, s.Mm4);

        s.Step5();
        Assert.Single(s.All.OfType<IkeInitialContact>());
        AssertCachedReply(s, s.Mm5Bytes, s.Mm6);
        Assert.Single(s.All.OfType<IkeInitialContact>());
        Assert.Equal(1, responder.EstablishedCount);

        var qm = initiator.QuickMode1(new QmOptions());
        var qm2 = Session.OnlyDatagram(s.Send(qm.Message)).Data;
        AssertCachedReply(s, qm.Message, qm2);
        initiator.ReadQuickMode2(qm, qm2);
        byte[] qm3 = initiator.QuickMode3(qm);
        var child = Assert.Single(s.Send(qm3).OfType<InstallChildSa>()).Child;
        Assert.Equal(qm.OutEncryption, child.InboundEncryptionKey);

        // QM3 again (the initiator does not know it arrived): no second child.
        var again = s.Send(qm3);
        Assert.Empty(again.OfType<InstallChildSa>());
        Assert.Empty(again.OfType<SendDatagram>());
        Assert.Single(s.All.OfType<InstallChildSa>());
        Assert.Equal(1, responder.SaCount);

        // A retransmitted R-U-THERE gets the same acknowledgement.
        byte[] dpd = initiator.DpdRuThere(1);
        var ack = Session.OnlyDatagram(s.Send(dpd)).Data;
        AssertCachedReply(s, dpd, ack);
    }

    [Fact]
    public void A_retransmitted_mm1_is_answered_even_at_the_half_open_limit()
    {
        using var responder = new IkeResponder(Net.Options(maxHalfOpenPerPeer: 1));
        using var initiator = new TestInitiator(61, Net.Psk, Net.Client);
        var s = new Session(responder, initiator);
        s.Step1();
        AssertCachedReply(s, s.Mm1Bytes, s.Mm2);
        Assert.False(responder.Drops.ContainsKey("half-open limit per peer"));
    }

    [Fact]
    public void Half_open_sas_are_limited_per_peer_and_in_total()
    {
        using var responder = new IkeResponder(Net.Options(maxHalfOpenPerPeer: 3, maxHalfOpenTotal: 5));
        var initiators = Enumerable.Range(0, 8).Select(i => new TestInitiator(100 + i, Net.Psk, Net.Client)).ToList();
        try
        {
            for (int i = 0; i < 3; i++)
                Session.OnlyDatagram(responder.Receive(initiators[i].MainMode1(), Net.Client, Net.Server, false, Net.T0));
            Assert.Equal(3, responder.SaCount);

            // Fourth and fifth from the same address: dropped silently, counted.
            Assert.Empty(responder.Receive(initiators[3].MainMode1(), Net.Client, Net.Server, false, Net.T0));
            Assert.Empty(responder.Receive(initiators[4].MainMode1(), Net.Client, Net.Server, false, Net.T0));
            Assert.Equal(2, responder.Drops["half-open limit per peer"]);
            Assert.Equal(3, responder.SaCount);

            // Other addresses still get in, up to the total.
            var other1 = new IPEndPoint(IPAddress.Parse("203.0.113.6"), 500);
            var other2 = new IPEndPoint(IPAddress.Parse("203.0.113.7"), 500);
            var other3 = new IPEndPoint(IPAddress.Parse("203.0.113.8"), 500);
            Session.OnlyDatagram(responder.Receive(initiators[5].MainMode1(), other1, Net.Server, false, Net.T0));
            Session.OnlyDatagram(responder.Receive(initiators[6].MainMode1(), other2, Net.Server, false, Net.T0));
            Assert.Equal(5, responder.SaCount);
            Assert.Empty(responder.Receive(initiators[7].MainMode1(), other3, Net.Server, false, Net.T0));
            Assert.Equal(1, responder.Drops["half-open limit"]);
            Assert.Equal(5, responder.SaCount);
        }
        finally
        {
            foreach (var i in initiators) i.Dispose();
        }
    }

    [Fact]
    public void Tick_expires_half_open_sas_after_the_timeout_but_not_established_ones()
    {
        var options = Net.Options(maxHalfOpenPerPeer: 2);
        using var responder = new IkeResponder(options);
        using var established = new TestInitiator(70, Net.Psk, Net.Client);
        new Session(responder, established).MainMode().QuickMode();

        using var a = new TestInitiator(71, Net.Psk, Net.Client);
        using var b = new TestInitiator(72, Net.Psk, Net.Client);
        using var c = new TestInitiator(73, Net.Psk, Net.Client);
        var sa = new Session(responder, a);
        sa.Step1();                       // awaiting key exchange
        var sb = new Session(responder, b);
        sb.Step1();
        sb.Step3();                       // awaiting identity
        Assert.Equal(3, responder.SaCount);
        Assert.Empty(responder.Receive(c.MainMode1(), Net.Client, Net.Server, false, Net.T0));
        Assert.Equal(1, responder.Drops["half-open limit per peer"]);

        Assert.Empty(responder.Tick(Net.T0 + options.HalfOpenTimeout - TimeSpan.FromSeconds(1)));
        Assert.Equal(3, responder.SaCount);

        var expired = responder.Tick(Net.T0 + options.HalfOpenTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(2, expired.OfType<IkeLog>().Count(l => l.Message == "half-open IKE SA expired"));
        Assert.Equal(1, responder.SaCount);
        Assert.Equal(1, responder.EstablishedCount);

        // The expired SA is gone (its MM5 is now unknown) and the peer may start again.
        Assert.Empty(responder.Receive(b.MainMode5(), Net.Client, Net.Server, false, Net.T0 + TimeSpan.FromMinutes(1)));
        Assert.Equal(1, responder.Drops["unknown cookies"]);
        var fresh = new Session(responder, c) { Now = Net.T0 + TimeSpan.FromMinutes(1) };
        fresh.MainMode();
        Assert.Equal(2, responder.EstablishedCount);

        // And the established SA still answers.
        var dpd = Session.OnlyDatagram(responder.Receive(established.DpdRuThere(5), Net.Client, Net.Server, false, Net.T0 + TimeSpan.FromHours(1)));
        Assert.NotEmpty(established.ReadInformational(dpd.Data));
    }

    [Fact]
    public void Cookies_of_a_half_open_sa_from_another_address_are_dropped()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(74, Net.Psk, Net.Client);
        var s = new Session(responder, initiator);
        s.Step1();
        var mm3 = initiator.MainMode3();
        Assert.Empty(responder.Receive(mm3, new IPEndPoint(IPAddress.Parse("192.0.2.66"), 500), Net.Server, false, Net.T0));
        Assert.Equal(1, responder.Drops["cookies from another address"]);
        // The real peer's MM3 still works.
        initiator.ReadMainMode4(Session.OnlyDatagram(s.Send(mm3)).Data);
    }
}
