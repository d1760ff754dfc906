using System.Buffers.Binary;
using System.Net;
using Appliance.Protocols.Ike.Sa;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>Quick Mode identities and lifetimes; DPD, Delete, INITIAL-CONTACT.</summary>
public class QuickModeAndInformationalTests
{
    private static Session Established(IkeResponder responder, TestInitiator initiator) => new Session(responder, initiator).MainMode();

    [Theory]
    [InlineData((byte)17, (ushort)1701, (ushort)1701)]
    [InlineData((byte)17, (ushort)0, (ushort)0)]
    [InlineData((byte)17, (ushort)1701, (ushort)51234)]   // macOS: its ephemeral source port as IDci
    public void L2tp_identities_are_accepted_and_echoed(byte protocol, ushort responderPort, ushort initiatorPort)
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(80, Net.Psk, Net.Client);
        var s = Established(responder, initiator);
        var ci = Net.UdpId(Net.Client.Address, initiatorPort, protocol);
        var cr = Net.UdpId(Net.Server.Address, responderPort, protocol);
        var (qm, child) = s.QuickMode(new QmOptions { Ids = (ci, cr) });
        var echoed = qm.Reply.OfType<IdentificationPayload>().ToList();
        Assert.Equal(2, echoed.Count);
        Assert.Equal((ci.ProtocolId, ci.Port, Convert.ToHexString(ci.Data)), (echoed[0].ProtocolId, echoed[0].Port, Convert.ToHexString(echoed[0].Data)));
        Assert.Equal((cr.ProtocolId, cr.Port, Convert.ToHexString(cr.Data)), (echoed[1].ProtocolId, echoed[1].Port, Convert.ToHexString(echoed[1].Data)));
        Assert.Equal(qm.OutEncryption, child.InboundEncryptionKey);
    }

    [Theory]
    [InlineData((byte)6, (ushort)80)]
    [InlineData((byte)17, (ushort)500)]
    [InlineData((byte)17, (ushort)1702)]
    [InlineData((byte)0, (ushort)0)]       // everything to our address: more than L2TP
    public void Other_responder_identities_get_invalid_id_information(byte protocol, ushort port)
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(81, Net.Psk, Net.Client);
        var s = Established(responder, initiator);
        var qm = initiator.QuickMode1(new QmOptions
        {
            Ids = (Net.UdpId(Net.Client.Address, 1701), Net.UdpId(Net.Server.Address, port, protocol)),
        });
        var reply = Session.OnlyDatagram(s.Send(qm.Message));
        var n = Assert.IsType<NotificationPayload>(Assert.Single(initiator.ReadInformational(reply.Data)));
        Assert.Equal(18, n.MessageType);
        Assert.Equal(ProtocolId.Esp, n.Protocol);
        Assert.Contains(s.Last.OfType<IkeLog>(), l => l.Message.StartsWith("quick mode refused", StringComparison.Ordinal));
        Assert.Empty(s.All.OfType<InstallChildSa>());
    }

    [Fact]
    public void A_single_identity_payload_gets_invalid_id_information()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(82, Net.Psk, Net.Client);
        var s = Established(responder, initiator);
        var qm = initiator.QuickMode1(new QmOptions { Extra = [Net.UdpId(Net.Client.Address, 1701)] });
        var n = initiator.ReadInformational(Session.OnlyDatagram(s.Send(qm.Message)).Data);
        Assert.Equal(18, Assert.IsType<NotificationPayload>(Assert.Single(n)).MessageType);
    }

    [Fact]
    public void A_quick_mode_with_a_forged_hash1_is_dropped()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(83, Net.Psk, Net.Client);
        var s = Established(responder, initiator);
        var forged = initiator.QuickMode1(new QmOptions { CorruptHash1 = true });
        var actions = s.Send(forged.Message);
        Assert.Empty(actions.OfType<SendDatagram>());
        Assert.Contains(actions.OfType<IkeLog>(), l => l.Message == "quick mode HASH(1) mismatch; dropped");
        // The genuine one afterwards works.
        var (qm, child) = s.QuickMode();
        Assert.Equal(qm.OutEncryption, child.InboundEncryptionKey);
    }

    [Fact]
    public void A_quick_mode_3_with_a_wrong_hash_installs_nothing()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(84, Net.Psk, Net.Client);
        var s = Established(responder, initiator);
        var qm = s.QuickMode12(new QmOptions());
        qm.NonceR = new byte[32]; // HASH(3) over a nonce the responder did not send
        var actions = s.Send(initiator.QuickMode3(qm));
        Assert.Empty(actions.OfType<InstallChildSa>());
        Assert.Contains(actions.OfType<IkeLog>(), l => l.Message == "quick mode HASH(3) mismatch; dropped");
    }

    [Fact]
    public void Concurrent_quick_modes_complete_in_any_order()
    {
        // Two exchanges interleaved: each keeps its own IV chain (the control for KnownBugsTests).
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(207, Net.Psk, Net.Client);
        var s = new Session(responder, initiator).MainMode();
        var a = s.QuickMode12(new QmOptions());
        var b = s.QuickMode12(new QmOptions());
        var childB = Assert.Single(s.Send(initiator.QuickMode3(b)).OfType<InstallChildSa>()).Child;
        var childA = Assert.Single(s.Send(initiator.QuickMode3(a)).OfType<InstallChildSa>()).Child;
        Assert.Equal(a.OutEncryption, childA.InboundEncryptionKey);
        Assert.Equal(b.OutEncryption, childB.InboundEncryptionKey);
        Assert.NotEqual(childA.InboundSpi, childB.InboundSpi);
    }

    [Theory]
    [InlineData(200000u, 86400u, true)]
    [InlineData(60u, 300u, true)]
    [InlineData(3600u, 3600u, false)]
    [InlineData(86400u, 86400u, false)]
    public void Responder_lifetime_clamps_and_says_so(uint asked, uint granted, bool notified)
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(85, Net.Psk, Net.Client);
        var s = Established(responder, initiator);
        var (qm, child) = s.QuickMode(new QmOptions { Offers = [EspOffer.AesGcm128() with { LifeSeconds = asked }] });
        Assert.Equal(granted, child.LifetimeSeconds);
        var notify = qm.Reply.OfType<NotificationPayload>().SingleOrDefault(n => n.MessageType == 24576);
        if (!notified)
        {
            Assert.Null(notify);
            return;
        }
        Assert.NotNull(notify);
        Assert.Equal(ProtocolId.Esp, notify.Protocol);
        Assert.Equal(DecodeError.None, DataAttribute.TryDecodeList(notify.Data, 16, out var attributes));
        var type = Assert.Single(attributes, a => a.Type == 1);
        var duration = Assert.Single(attributes, a => a.Type == 2);
        Assert.Equal(1UL, type.AsInteger);        // seconds
        Assert.Equal(granted, duration.AsInteger);
    }

    [Fact]
    public void Without_a_lifetime_the_rfc2407_default_of_eight_hours_applies_silently()
    {
        // RFC 2407 §4.5: no SA Life Type/Duration means 28800 s; within our bounds, so no notify.
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(86, Net.Psk, Net.Client);
        var (qm, child) = Established(responder, initiator).QuickMode(new QmOptions { Offers = [EspOffer.AesGcm128() with { LifeSeconds = null }] });
        Assert.Equal(28800u, child.LifetimeSeconds);
        Assert.DoesNotContain(qm.Reply.OfType<NotificationPayload>(), n => n.MessageType == 24576);
    }

    [Fact]
    public void A_default_lifetime_above_our_maximum_is_shortened_and_announced()
    {
        var options = new IkeResponderOptions
        {
            PreSharedKey = Net.Psk,
            Policy = new Appliance.Protocols.Ike.Policy.AlgorithmPolicy(Appliance.Protocols.Ike.Policy.SecurityLevel.Modern),
            Random = new SeededRandom(87),
            MaxChildLifetimeSeconds = 7200,
        };
        using var responder = new IkeResponder(options);
        using var initiator = new TestInitiator(86, Net.Psk, Net.Client);
        var (qm, child) = Established(responder, initiator).QuickMode(new QmOptions { Offers = [EspOffer.AesGcm128() with { LifeSeconds = null }] });
        Assert.Equal(7200u, child.LifetimeSeconds);
        var notify = Assert.Single(qm.Reply.OfType<NotificationPayload>(), n => n.MessageType == 24576);
        Assert.Equal(DecodeError.None, DataAttribute.TryDecodeList(notify.Data, 16, out var attributes));
        Assert.Equal(7200UL, Assert.Single(attributes, a => a.Type == 2).AsInteger);
    }

    [Fact]
    public void Dpd_r_u_there_is_acknowledged_with_the_same_sequence()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(87, Net.Psk, Net.Client);
        var s = Established(responder, initiator);
        foreach (uint seq in new uint[] { 0x01020304, 0x01020305, 0xfffffffe })
        {
            var reply = Session.OnlyDatagram(s.Send(initiator.DpdRuThere(seq)));
            Assert.Equal(Net.Client, reply.To);
            Assert.False(reply.NatTraversalPort);
            var n = Assert.IsType<NotificationPayload>(Assert.Single(initiator.ReadInformational(reply.Data)));
            Assert.Equal(36137, n.MessageType);
            Assert.Equal(TestInitiator.Be32(seq), n.Data);
            Assert.Equal(ProtocolId.Isakmp, n.Protocol);
            Assert.Equal(initiator.CookieBytes, n.Spi);
        }
        Assert.Equal(1, responder.EstablishedCount);
    }

    [Fact]
    public void An_informational_with_a_bad_hash_is_ignored()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(88, Net.Psk, Net.Client);
        var s = Established(responder, initiator);
        var (_, child) = s.QuickMode();
        var actions = s.Send(initiator.Informational(true, new DeletePayload(1, ProtocolId.Isakmp, 16, [initiator.CookieBytes])));
        Assert.Contains(actions.OfType<IkeLog>(), l => l.Message == "informational HASH mismatch; dropped");
        Assert.Empty(actions.OfType<RemoveChildSa>());
        Assert.Equal(1, responder.EstablishedCount);
        actions = s.Send(initiator.Informational(true, new DeletePayload(1, ProtocolId.Esp, 4, [TestInitiator.Be32(child.OutboundSpi)])));
        Assert.Empty(actions.OfType<RemoveChildSa>());
        Assert.Empty(s.Send(initiator.Informational(true, new NotificationPayload(1, ProtocolId.Isakmp, 36136, initiator.CookieBytes, [0, 0, 0, 1]))).OfType<SendDatagram>());
    }

    [Fact]
    public void Peer_delete_of_an_esp_sa_removes_that_child_only()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(89, Net.Psk, Net.Client);
        var s = Established(responder, initiator);
        var (qm1, c1) = s.QuickMode();
        var (_, c2) = s.QuickMode();

        // The initiator deletes the SA it receives on: the SPI it chose.
        var actions = s.Send(initiator.DeleteEsp(qm1.InboundSpi));
        var removed = Assert.Single(actions.OfType<RemoveChildSa>());
        Assert.Equal((c1.InboundSpi, c1.OutboundSpi), (removed.InboundSpi, removed.OutboundSpi));
        Assert.Empty(actions.OfType<SendDatagram>());
        Assert.Equal(1, responder.EstablishedCount);

        // An unknown SPI changes nothing.
        Assert.Empty(s.Send(initiator.DeleteEsp(0x12345678)).OfType<RemoveChildSa>());

        // Deleting the ISAKMP SA takes the remaining child with it.
        actions = s.Send(initiator.DeleteIsakmp());
        var last = Assert.Single(actions.OfType<RemoveChildSa>());
        Assert.Equal((c2.InboundSpi, c2.OutboundSpi), (last.InboundSpi, last.OutboundSpi));
        Assert.Contains(actions.OfType<IkeLog>(), l => l.Message == "peer deleted the IKE SA");
        Assert.Equal(0, responder.SaCount);

        Assert.Empty(s.Send(initiator.DpdRuThere(9)));
        Assert.Equal(1, responder.Drops["unknown cookies"]);
    }

    [Fact]
    public void An_expired_child_is_deleted_towards_the_peer_and_the_ike_sa_stays()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(92, Net.Psk, Net.Client);
        var s = Established(responder, initiator);
        var (_, c1) = s.QuickMode();
        var (_, c2) = s.QuickMode();

        var actions = responder.ExpireChild(c1.InboundSpi, "hard lifetime");
        var removed = Assert.Single(actions.OfType<RemoveChildSa>());
        Assert.Equal((c1.InboundSpi, c1.OutboundSpi, "hard lifetime"), (removed.InboundSpi, removed.OutboundSpi, removed.Reason));
        var delete = Assert.IsType<DeletePayload>(Assert.Single(initiator.ReadInformational(Session.OnlyDatagram(actions).Data)));
        Assert.Equal(ProtocolId.Esp, delete.Protocol);
        Assert.Equal(TestInitiator.Be32(c1.InboundSpi), Assert.Single(delete.Spis));
        Assert.Equal(1, responder.EstablishedCount);

        // The same expiry reported twice, or for an SPI nobody owns, does nothing.
        Assert.Empty(responder.ExpireChild(c1.InboundSpi, "hard lifetime"));
        Assert.Empty(responder.ExpireChild(0x0badf00d, "hard lifetime"));
        // The other pair is still known: its expiry is handled too.
        Assert.Single(responder.ExpireChild(c2.InboundSpi, "hard lifetime").OfType<RemoveChildSa>());
    }

    [Fact]
    public void Delete_all_sends_verifiable_deletes_for_every_child_and_the_ike_sa()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(90, Net.Psk, Net.Client);
        var s = Established(responder, initiator);
        var (_, c1) = s.QuickMode();
        var (_, c2) = s.QuickMode();
        using var halfOpen = new TestInitiator(91, Net.Psk, new IPEndPoint(IPAddress.Parse("203.0.113.9"), 500));
        new Session(responder, halfOpen).Step1();
        Assert.Equal(2, responder.SaCount);

        var actions = responder.DeleteAll("shutdown");
        Assert.Equal(0, responder.SaCount);
        var removed = actions.OfType<RemoveChildSa>().Select(r => (r.InboundSpi, r.OutboundSpi, r.Reason)).ToList();
        Assert.Equal([(c1.InboundSpi, c1.OutboundSpi, "shutdown"), (c2.InboundSpi, c2.OutboundSpi, "shutdown")], removed);

        var sent = actions.OfType<SendDatagram>().ToList();
        Assert.Equal(3, sent.Count); // nothing to the half-open peer: it has no keys to read it
        Assert.All(sent, d => Assert.Equal(Net.Client, d.To));
        var deletes = sent.Select(d => Assert.IsType<DeletePayload>(Assert.Single(initiator.ReadInformational(d.Data)))).ToList();
        Assert.Equal(ProtocolId.Esp, deletes[0].Protocol);
        Assert.Equal(TestInitiator.Be32(c1.InboundSpi), Assert.Single(deletes[0].Spis));
        Assert.Equal(TestInitiator.Be32(c2.InboundSpi), Assert.Single(deletes[1].Spis));
        Assert.Equal(ProtocolId.Isakmp, deletes[2].Protocol);
        Assert.Equal(16, deletes[2].SpiSize);
        Assert.Equal(initiator.CookieBytes, Assert.Single(deletes[2].Spis));
        var mids = sent.Select(d => BinaryPrimitives.ReadUInt32BigEndian(d.Data.AsSpan(20))).ToList();
        Assert.Equal(3, mids.Distinct().Count());
    }

    [Fact]
    public void Initial_contact_removes_the_older_sa_of_the_same_identity()
    {
        using var responder = new IkeResponder(Net.Options());
        using var before = new TestInitiator(92, Net.Psk, Net.Client);
        var old = Established(responder, before);
        var (_, oldChild) = old.QuickMode();

        // Rebooted client: same address and identity, INITIAL-CONTACT in MM5.
        using var after = new TestInitiator(93, Net.Psk, Net.Client) { InitialContact = true };
        var fresh = new Session(responder, after);
        fresh.Step1();
        fresh.Step3();
        Assert.Equal(2, responder.SaCount);
        fresh.Step5();
        var contact = Assert.Single(fresh.Last.OfType<IkeInitialContact>());
        Assert.Equal(after.InitiatorCookie, contact.KeepInitiatorCookie);
        var removed = Assert.Single(fresh.Last.OfType<RemoveChildSa>());
        Assert.Equal((oldChild.InboundSpi, oldChild.OutboundSpi), (removed.InboundSpi, removed.OutboundSpi));
        Assert.Contains(fresh.Last.OfType<IkeLog>(), l => l.Message == "older IKE SA of the peer removed (INITIAL-CONTACT)");
        Assert.Equal(1, responder.SaCount);
        Assert.Equal(1, responder.EstablishedCount);

        // The old SA is gone, the new one works.
        Assert.Empty(old.Send(before.DpdRuThere(1)));
        Assert.Equal(1, responder.Drops["unknown cookies"]);
        fresh.QuickMode();
    }

    [Fact]
    public void Without_initial_contact_or_with_another_identity_older_sas_stay()
    {
        using var responder = new IkeResponder(Net.Options());
        using var first = new TestInitiator(94, Net.Psk, Net.Client);
        Established(responder, first).QuickMode();

        using var second = new TestInitiator(95, Net.Psk, Net.Client);
        Established(responder, second);
        Assert.Equal(2, responder.EstablishedCount);

        using var third = new TestInitiator(96, Net.Psk, Net.Client)
        {
            InitialContact = true,
            Identity = new IdentificationPayload(IdType.Fqdn, 17, 500, "laptop.example"u8.ToArray()),
        };
        var s = Established(responder, third);
        Assert.Single(s.All.OfType<IkeInitialContact>());
        Assert.Empty(s.All.OfType<RemoveChildSa>());
        Assert.Equal(3, responder.EstablishedCount);
    }
}
