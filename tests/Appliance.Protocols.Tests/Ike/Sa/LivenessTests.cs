using System.Buffers.Binary;
using Appliance.Protocols.Ike.Sa;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>DPD from our side (RFC 3706), the phase-1 lifetime, and ESP pairs surviving the
/// ISAKMP SA that negotiated them when the client re-authenticates.</summary>
public class LivenessTests
{
    [Fact]
    public void A_quiet_dpd_peer_gets_r_u_there_with_rising_sequence_numbers_and_an_answer_resets_the_clock()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(300, Net.Psk, Net.Client);
        var s = new Session(responder, initiator).MainMode();
        var t = s.Now;

        Assert.Empty(responder.Tick(t + TimeSpan.FromSeconds(29)).OfType<SendDatagram>());
        var probe = Assert.Single(responder.Tick(t + TimeSpan.FromSeconds(30)).OfType<SendDatagram>());
        var n = Assert.IsType<NotificationPayload>(Assert.Single(initiator.ReadInformational(probe.Data)));
        Assert.Equal(36136, n.MessageType);
        Assert.Equal(initiator.CookieBytes.Length, n.Spi.Length);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(n.Data));
        // Not again before the retry interval, then with the next sequence number.
        Assert.Empty(responder.Tick(t + TimeSpan.FromSeconds(35)).OfType<SendDatagram>());
        var again = Assert.Single(responder.Tick(t + TimeSpan.FromSeconds(40)).OfType<SendDatagram>());
        var n2 = Assert.IsType<NotificationPayload>(Assert.Single(initiator.ReadInformational(again.Data)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(n2.Data));

        // The peer answers (any authenticated message counts): quiet again for a whole interval.
        s.Now = t + TimeSpan.FromSeconds(41);
        s.Send(initiator.Informational(new NotificationPayload(1, ProtocolId.Isakmp, 36137, initiator.CookieBytes, TestInitiator.Be32(2))));
        Assert.Empty(responder.Tick(t + TimeSpan.FromSeconds(70)).OfType<SendDatagram>());
        Assert.Single(responder.Tick(t + TimeSpan.FromSeconds(71)).OfType<SendDatagram>());
        Assert.Equal(1, responder.EstablishedCount);
    }

    [Fact]
    public void A_dpd_peer_silent_for_the_timeout_is_cleared_with_its_esp_sas()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(301, Net.Psk, Net.Client);
        var s = new Session(responder, initiator).MainMode();
        var (_, child) = s.QuickMode();
        var t = s.Now;

        Assert.Empty(responder.Tick(t + TimeSpan.FromSeconds(149)).OfType<RemoveChildSa>());
        var actions = responder.Tick(t + TimeSpan.FromSeconds(150));
        var removed = Assert.Single(actions.OfType<RemoveChildSa>());
        Assert.Equal(child.InboundSpi, removed.InboundSpi);
        Assert.Contains(actions.OfType<IkeLog>(), l => l.Message.StartsWith("peer is dead", StringComparison.Ordinal));
        Assert.Equal(0, responder.SaCount);
    }

    [Fact]
    public void A_peer_without_dpd_is_never_probed_nor_declared_dead()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(302, Net.Psk, Net.Client) { SendDpdVendorId = false };
        var s = new Session(responder, initiator).MainMode();
        s.QuickMode();
        var actions = responder.Tick(s.Now + TimeSpan.FromSeconds(3000));
        Assert.Empty(actions.OfType<SendDatagram>());
        Assert.Empty(actions.OfType<RemoveChildSa>());
        Assert.Equal(1, responder.EstablishedCount);
    }

    [Fact]
    public void At_the_end_of_its_phase_1_lifetime_a_lone_ike_sa_is_deleted_with_its_esp_sas()
    {
        var o = Net.Options();
        using var responder = new IkeResponder(new IkeResponderOptions { PreSharedKey = o.PreSharedKey, Policy = o.Policy, Random = o.Random, DpdInterval = TimeSpan.Zero });
        using var initiator = new TestInitiator(303, Net.Psk, Net.Client) { SendDpdVendorId = false };
        var s = new Session(responder, initiator).MainMode();
        var (_, child) = s.QuickMode();
        uint lifetime = 28800; // the test initiator's phase-1 offer
        Assert.Empty(responder.Tick(s.Now + TimeSpan.FromSeconds(lifetime - 1)).OfType<RemoveChildSa>());
        var actions = responder.Tick(s.Now + TimeSpan.FromSeconds(lifetime));
        Assert.Equal(child.InboundSpi, Assert.Single(actions.OfType<RemoveChildSa>()).InboundSpi);
        var deletes = actions.OfType<SendDatagram>().Select(d => Assert.IsType<DeletePayload>(Assert.Single(initiator.ReadInformational(d.Data)))).ToList();
        Assert.Equal([ProtocolId.Esp, ProtocolId.Isakmp], deletes.Select(d => d.Protocol));
        Assert.Equal(0, responder.SaCount);
    }

    [Fact]
    public void When_the_client_retires_its_old_isakmp_sa_the_esp_pairs_move_to_the_new_one()
    {
        using var responder = new IkeResponder(Net.Options());
        using var oldInitiator = new TestInitiator(304, Net.Psk, Net.Client);
        var old = new Session(responder, oldInitiator).MainMode();
        var (_, oldChild) = old.QuickMode();
        using var newInitiator = new TestInitiator(305, Net.Psk, Net.Client);
        var current = new Session(responder, newInitiator).MainMode();

        var actions = current.Send(newInitiator.Informational(new DeletePayload(1, ProtocolId.Isakmp, 16, [oldInitiator.CookieBytes])));
        Assert.Empty(actions.OfType<RemoveChildSa>());
        Assert.Equal(1, responder.SaCount);
        // The pair now belongs to the new IKE SA: deleting it there works, and shutdown names it.
        var bye = responder.DeleteAll("shutdown");
        Assert.Equal(oldChild.InboundSpi, Assert.Single(bye.OfType<RemoveChildSa>()).InboundSpi);
    }
}
