using System.Net;
using Appliance.Protocols.Ike.Sa;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>
/// Regressions: behaviour these tests once found wrong in the responder (forged datagrams moving
/// the peer's endpoint or a Quick Mode's IV, pending-exchange exhaustion, QM1 retransmits, Deletes
/// naming other SAs, silent unknown-SPI Deletes).
/// </summary>
public class ResponderRegressionTests
{
    private static readonly IPEndPoint Attacker = new(IPAddress.Parse("192.0.2.66"), 4500);

    /// <summary>A datagram with the SA's cookies, the E flag and a random (unauthenticated) body.</summary>
    private static byte[] Garbage(TestInitiator initiator, ExchangeType exchange, uint mid, int seed, int blocks = 3)
    {
        var body = new byte[16 * blocks];
        new Random(seed).NextBytes(body);
        return IkeMessage.EncodeEncrypted(initiator.Header(exchange, mid, IsakmpFlags.Encryption), PayloadType.Hash, body);
    }

    [Fact]
    public void An_unauthenticated_datagram_does_not_move_the_peer_endpoint()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(200, Net.Psk, Net.NatPrivate) { NatT = NatTVariant.Rfc3947, NatDResponder = Net.Server };
        var s = new Session(responder, initiator, from: Net.NatPublic, local: Net.Server);
        s.Step1();
        s.Step3();
        s.From = Net.NatPublicFloated;
        s.Local = Net.ServerNatT;
        s.NatPort = true;
        s.Step5();
        s.QuickMode(new QmOptions { Offers = [EspOffer.AesGcm128(mode: 4)] });

        // Anyone who saw the cookies on the wire sends junk from elsewhere to 4500.
        var junk = responder.Receive(Garbage(initiator, ExchangeType.Informational, 0x01020304, 1), Attacker, Net.ServerNatT, true, Net.T0);
        Assert.Contains(junk.OfType<IkeLog>(), l => l.Message.Contains("malformed") || l.Message.Contains("mismatch"));

        // Our Delete must still go to the real peer.
        var deletes = responder.DeleteAll("shutdown").OfType<SendDatagram>().ToList();
        Assert.NotEmpty(deletes);
        Assert.All(deletes, d => Assert.Equal(Net.NatPublicFloated, d.To));
    }

    [Fact]
    public void Junk_quick_mode_datagrams_do_not_block_later_quick_modes()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(201, Net.Psk, Net.Client);
        var s = new Session(responder, initiator).MainMode();
        for (int i = 0; i < 16; i++)
        {
            var actions = s.Send(Garbage(initiator, ExchangeType.QuickMode, 0x1000u + (uint)i, i));
            Assert.Empty(actions.OfType<SendDatagram>());
        }
        // The genuine client now rekeys: it must get its QM2 (not "too many quick modes in progress").
        var qm = initiator.QuickMode1(new QmOptions());
        var reply = s.Send(qm.Message);
        Assert.DoesNotContain(reply.OfType<IkeLog>(), l => l.Message.StartsWith("too many quick modes", StringComparison.Ordinal));
        initiator.ReadQuickMode2(qm, Session.OnlyDatagram(reply).Data);
    }

    [Fact]
    public void A_junk_quick_mode_3_does_not_spoil_the_genuine_one()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(202, Net.Psk, Net.Client);
        var s = new Session(responder, initiator).MainMode();
        var qm = s.QuickMode12(new QmOptions());

        // Junk (or a corrupted copy of QM3) with the same message ID arrives first.
        var junk = s.Send(Garbage(initiator, ExchangeType.QuickMode, qm.MessageId, 7, blocks: 2));
        Assert.Empty(junk.OfType<InstallChildSa>());

        var actions = s.Send(initiator.QuickMode3(qm));
        var child = Assert.Single(actions.OfType<InstallChildSa>()).Child;
        Assert.Equal(qm.OutEncryption, child.InboundEncryptionKey);
    }

    [Fact]
    public void A_retransmitted_qm1_after_another_request_still_gets_its_qm2()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(203, Net.Psk, Net.Client);
        var s = new Session(responder, initiator).MainMode();
        var qm = initiator.QuickMode1(new QmOptions());
        byte[] qm2 = Session.OnlyDatagram(s.Send(qm.Message)).Data;

        // QM2 is lost; meanwhile the client's DPD goes through; then it retransmits QM1.
        Session.OnlyDatagram(s.Send(initiator.DpdRuThere(1)));
        var again = s.Send(qm.Message);
        Assert.Equal(Convert.ToHexString(qm2), Convert.ToHexString(Session.OnlyDatagram(again).Data));

        initiator.ReadQuickMode2(qm, qm2);
        var child = Assert.Single(s.Send(initiator.QuickMode3(qm)).OfType<InstallChildSa>()).Child;
        Assert.Equal(qm.OutEncryption, child.InboundEncryptionKey);
    }

    [Fact]
    public void A_delete_naming_another_ike_sa_does_not_kill_the_sa_that_carried_it()
    {
        using var responder = new IkeResponder(Net.Options());
        using var oldInitiator = new TestInitiator(204, Net.Psk, Net.Client);
        var old = new Session(responder, oldInitiator).MainMode();
        old.QuickMode();
        using var newInitiator = new TestInitiator(205, Net.Psk, Net.Client);
        var current = new Session(responder, newInitiator).MainMode();
        var (_, currentChild) = current.QuickMode();

        // After a phase-1 rekey the client deletes the old ISAKMP SA through the new one.
        var actions = current.Send(newInitiator.Informational(new DeletePayload(1, ProtocolId.Isakmp, 16, [oldInitiator.CookieBytes])));

        Assert.DoesNotContain(actions.OfType<RemoveChildSa>(), r => r.InboundSpi == currentChild.InboundSpi);
        // The SA that carried the Delete still works.
        var ack = Session.OnlyDatagram(current.Send(newInitiator.DpdRuThere(2)));
        Assert.NotEmpty(newInitiator.ReadInformational(ack.Data));
    }

    [Fact]
    public void An_authentic_delete_for_an_unknown_spi_is_logged_or_counted()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(206, Net.Psk, Net.Client);
        var s = new Session(responder, initiator).MainMode();
        long drops = responder.TotalDrops();
        var actions = s.Send(initiator.DeleteEsp(0x0badf00d));
        Assert.True(responder.TotalDrops() > drops || actions.OfType<IkeLog>().Any(),
            "a Delete naming no SA of ours left no trace");
    }
}
