using System.Net;
using Appliance.Protocols.Ike.Sa;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>RFC 3947 and its drafts: vendor IDs, NAT-D, port floating, UDP-encapsulated modes.</summary>
public class NatTraversalTests
{
    private static TestInitiator BehindNat(int seed, NatTVariant variant, NatTVariant also = NatTVariant.None) =>
        new(seed, Net.Psk, Net.NatPrivate) { NatT = variant, AlsoNatT = also, NatDResponder = Net.Server };

    private static Session NatSession(IkeResponder responder, TestInitiator initiator) =>
        new(responder, initiator, from: Net.NatPublic, local: Net.Server);

    /// <summary>MM1/MM3 from the NAT's mapping of 500, then MM5 onwards from 4500 (a new mapping).</summary>
    private static Session FloatedMainMode(IkeResponder responder, TestInitiator initiator)
    {
        var s = NatSession(responder, initiator);
        s.Step1();
        s.Step3();
        s.From = Net.NatPublicFloated;
        s.Local = Net.ServerNatT;
        s.NatPort = true;
        s.Step5();
        return s;
    }

    [Fact]
    public void Rfc3947_behind_nat_natd_float_and_udp_encapsulated_transport()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = BehindNat(21, NatTVariant.Rfc3947);
        var s = NatSession(responder, initiator);

        s.Step1();
        var vids = initiator.Mm2Payloads.OfType<VendorIdPayload>().Select(v => v.Data).ToList();
        Assert.Contains(vids, v => v.AsSpan().SequenceEqual(TestInitiator.NatTVendorId(NatTVariant.Rfc3947)));

        s.Step3();
        // RFC 3947 §3.2: first the hash of the destination (the initiator as the responder sees
        // it: the NAT's address and port), then the responder's own address.
        var natd = initiator.Mm4Payloads.OfType<NatDiscoveryPayload>().ToList();
        Assert.Equal(2, natd.Count);
        Assert.All(natd, n => Assert.Equal(PayloadType.NatDiscovery, n.Type));
        Assert.Equal(initiator.NatDHash(Net.NatPublic), natd[0].Hash);
        Assert.Equal(initiator.NatDHash(Net.Server), natd[1].Hash);
        Assert.NotEqual(initiator.NatDHash(Net.NatPrivate), natd[0].Hash);
        var detection = Assert.Single(s.Last.OfType<IkeLog>(), l => l.Message == "NAT detection");
        Assert.Contains(("peer_behind_nat", (object?)true), detection.Fields);
        Assert.Contains(("self_behind_nat", (object?)false), detection.Fields);

        // The initiator floats to 4500 with a fresh NAT mapping: MM6 must go there, via 4500.
        s.From = Net.NatPublicFloated;
        s.Local = Net.ServerNatT;
        s.NatPort = true;
        var mm5 = initiator.MainMode5();
        var mm6 = Session.OnlyDatagram(s.Send(mm5));
        Assert.Equal(Net.NatPublicFloated, mm6.To);
        Assert.Equal(Net.ServerNatT, mm6.From);
        Assert.True(mm6.NatTraversalPort);
        Assert.Contains(s.Last.OfType<IkeLog>(), l => l.Message == "peer floated to port 4500");
        initiator.ReadMainMode6(mm6.Data);

        // Plain transport behind a NAT: refused with NO-PROPOSAL-CHOSEN, no child.
        var refused = initiator.QuickMode1(new QmOptions { Offers = [EspOffer.AesGcm128(mode: 2)] });
        var notify = Session.OnlyDatagram(s.Send(refused.Message));
        Assert.Empty(s.Last.OfType<InstallChildSa>());
        Assert.True(notify.NatTraversalPort);
        Assert.Equal(Net.NatPublicFloated, notify.To);
        var n = Assert.IsType<NotificationPayload>(Assert.Single(initiator.ReadInformational(notify.Data)));
        Assert.Equal(14, n.MessageType);
        Assert.Equal(ProtocolId.Esp, n.Protocol);
        Assert.Contains(s.Last.OfType<IkeLog>(), l => l.Message == "no acceptable quick mode proposal");

        // UDP-encapsulated transport (4) with NAT-OAi/NAT-OAr: accepted.
        var qm = initiator.QuickMode1(new QmOptions
        {
            Offers = [EspOffer.AesGcm128(mode: 4)],
            Ids = (Net.UdpId(Net.NatPrivate.Address, 1701), Net.UdpId(Net.Server.Address, 1701)),
            Extra = [new NatOriginalAddressPayload(IdType.Ipv4Address, Net.NatPrivate.Address.GetAddressBytes(), false),
                     new NatOriginalAddressPayload(IdType.Ipv4Address, Net.Server.Address.GetAddressBytes(), false)],
        });
        var qm2 = Session.OnlyDatagram(s.Send(qm.Message));
        Assert.True(qm2.NatTraversalPort);
        Assert.Equal(Net.NatPublicFloated, qm2.To);
        initiator.ReadQuickMode2(qm, qm2.Data);
        var child = Assert.Single(s.Send(initiator.QuickMode3(qm)).OfType<InstallChildSa>()).Child;
        Assert.True(child.UdpEncapsulated);
        Assert.Equal(Net.NatPublicFloated, child.Peer);
        Assert.Equal(Net.ServerNatT, child.Local);
        Assert.Equal(Net.NatPrivate.Address, child.PeerOriginalAddress);
        Assert.Equal(4, child.Proposal.EncapsulationMode);
        Assert.Equal(qm.OutEncryption, child.InboundEncryptionKey);
    }

    [Theory]
    [InlineData(NatTVariant.Draft02)]
    [InlineData(NatTVariant.Draft02Newline)]
    [InlineData(NatTVariant.Draft03)]
    public void Draft_dialects_use_payload_130_and_mode_61444(NatTVariant variant)
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = BehindNat(22 + (int)variant, variant);
        var s = NatSession(responder, initiator);
        s.Step1();
        // The responder answers with the very vendor ID the peer sent.
        var natVids = initiator.Mm2Payloads.OfType<VendorIdPayload>().Where(v => KnownVendorIds.Identify(v.Data) != KnownVendor.DeadPeerDetection).ToList();
        Assert.Equal(TestInitiator.NatTVendorId(variant), Assert.Single(natVids).Data);

        s.Step3();
        // Payload type 130 on the wire: walk the raw chain of MM4.
        Assert.Equal([PayloadType.KeyExchange, PayloadType.Nonce, PayloadType.NatDiscoveryDraft, PayloadType.NatDiscoveryDraft], RawChainTypes(s.Mm4));
        var natd = initiator.Mm4Payloads.OfType<NatDiscoveryPayload>().ToList();
        Assert.Equal(initiator.NatDHash(Net.NatPublic), natd[0].Hash);
        Assert.Equal(initiator.NatDHash(Net.Server), natd[1].Hash);

        s.From = Net.NatPublicFloated;
        s.Local = Net.ServerNatT;
        s.NatPort = true;
        s.Step5();

        var plain = initiator.QuickMode1(new QmOptions { Offers = [EspOffer.AesCbc256Sha256(mode: 2)] });
        var notify = initiator.ReadInformational(Session.OnlyDatagram(s.Send(plain.Message)).Data);
        Assert.Equal(14, Assert.IsType<NotificationPayload>(Assert.Single(notify)).MessageType);

        var (_, child) = s.QuickMode(new QmOptions { Offers = [EspOffer.AesCbc256Sha256(mode: 61444)] });
        Assert.True(child.UdpEncapsulated);
        Assert.Equal(61444, child.Proposal.EncapsulationMode);
        Assert.Equal(Net.NatPublicFloated, child.Peer);
    }

    [Theory]
    [InlineData(NatTVariant.Rfc3947, NatTVariant.Draft02Newline, NatTVariant.Rfc3947)]
    [InlineData(NatTVariant.Draft02, NatTVariant.Rfc3947, NatTVariant.Rfc3947)]
    [InlineData(NatTVariant.Draft02, NatTVariant.Draft03, NatTVariant.Draft03)]
    [InlineData(NatTVariant.Draft03, NatTVariant.Draft02Newline, NatTVariant.Draft03)]
    public void The_best_dialect_both_speak_is_answered(NatTVariant first, NatTVariant second, NatTVariant expected)
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = BehindNat(30, first, second);
        NatSession(responder, initiator).Step1();
        var natVids = initiator.Mm2Payloads.OfType<VendorIdPayload>().Where(v => KnownVendorIds.Identify(v.Data) != KnownVendor.DeadPeerDetection).ToList();
        Assert.Equal(TestInitiator.NatTVendorId(expected), Assert.Single(natVids).Data);
    }

    [Fact]
    public void Nat_t_without_a_nat_keeps_plain_transport_and_refuses_udp_encapsulation()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(31, Net.Psk, Net.Client) { NatT = NatTVariant.Rfc3947, NatDResponder = Net.Server };
        var s = new Session(responder, initiator).MainMode();
        var natd = initiator.Mm4Payloads.OfType<NatDiscoveryPayload>().ToList();
        Assert.Equal(initiator.NatDHash(Net.Client), natd[0].Hash);
        Assert.Contains(("peer_behind_nat", (object?)false), s.All.OfType<IkeLog>().Single(l => l.Message == "NAT detection").Fields);

        var udp = initiator.QuickMode1(new QmOptions { Offers = [EspOffer.AesGcm128(mode: 4)] });
        var n = initiator.ReadInformational(Session.OnlyDatagram(s.Send(udp.Message)).Data);
        Assert.Equal(14, Assert.IsType<NotificationPayload>(Assert.Single(n)).MessageType);

        var (_, child) = s.QuickMode(new QmOptions { Offers = [EspOffer.AesGcm128(mode: 2)] });
        Assert.False(child.UdpEncapsulated);
        Assert.Equal(Net.Client, child.Peer);
    }

    [Fact]
    public void Responder_behind_nat_also_requires_udp_encapsulation()
    {
        // The initiator addressed a public address that is not ours: a NAT in front of us.
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(32, Net.Psk, Net.Client)
        {
            NatT = NatTVariant.Rfc3947,
            NatDResponder = new IPEndPoint(IPAddress.Parse("192.0.2.200"), 500),
        };
        var s = new Session(responder, initiator).MainMode();
        var detection = s.All.OfType<IkeLog>().Single(l => l.Message == "NAT detection");
        Assert.Contains(("self_behind_nat", (object?)true), detection.Fields);
        Assert.Contains(("peer_behind_nat", (object?)false), detection.Fields);
        var (_, child) = s.QuickMode(new QmOptions { Offers = [EspOffer.AesGcm128(mode: 4)] });
        Assert.True(child.UdpEncapsulated);
    }

    [Fact]
    public void Nat_t_vendor_id_without_nat_d_falls_back_to_no_nat_t()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(33, Net.Psk, Net.Client) { NatT = NatTVariant.Rfc3947, OmitNatD = true };
        var s = new Session(responder, initiator).MainMode();
        Assert.Empty(initiator.Mm4Payloads.OfType<NatDiscoveryPayload>());
        var (_, child) = s.QuickMode(new QmOptions { Offers = [EspOffer.AesGcm128(mode: 2)] });
        Assert.False(child.UdpEncapsulated);
    }

    [Fact]
    public void Without_nat_t_vendor_id_no_nat_d_is_sent_back()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(34, Net.Psk, Net.Client);
        var s = new Session(responder, initiator).MainMode();
        Assert.Equal([KnownVendor.DeadPeerDetection], initiator.Mm2Payloads.OfType<VendorIdPayload>().Select(v => KnownVendorIds.Identify(v.Data)));
        Assert.Equal([PayloadType.KeyExchange, PayloadType.Nonce], RawChainTypes(s.Mm4));
    }

    [Fact]
    public void A_remapped_nat_port_after_floating_gets_the_answers()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = BehindNat(35, NatTVariant.Rfc3947);
        var s = FloatedMainMode(responder, initiator);
        var remapped = new IPEndPoint(Net.NatPublicFloated.Address, 40002);
        s.From = remapped;
        var ack = Session.OnlyDatagram(s.Send(initiator.DpdRuThere(7)));
        Assert.Equal(remapped, ack.To);
        Assert.True(ack.NatTraversalPort);
        var (_, child) = s.QuickMode(new QmOptions { Offers = [EspOffer.AesGcm128(mode: 4)] });
        Assert.Equal(remapped, child.Peer);
    }

    internal static List<PayloadType> RawChainTypes(byte[] message)
    {
        var types = new List<PayloadType>();
        var next = (PayloadType)message[16];
        int at = IsakmpHeader.Size;
        while (next != PayloadType.None)
        {
            types.Add(next);
            next = (PayloadType)message[at];
            at += (message[at + 2] << 8) | message[at + 3];
        }
        return types;
    }
}
