using Appliance.Protocols.Esp;
using Appliance.Protocols.Ike.Policy;
using Appliance.Protocols.Ike.Sa;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>
/// Main Mode + Quick Mode against the in-memory initiator: the responder's ESP keys must equal
/// the KEYMAT the initiator computed on its own, direction by direction.
/// </summary>
public class FullExchangeTests
{
    public static TheoryData<string, SecurityLevel, string, string, int> Cases => new()
    {
        // name, level, phase 1, ESP, PFS group (0 = none)
        { "aes-cbc-sha1", SecurityLevel.Compatible, "aes128-sha256-modp2048", "aes128-sha1", 0 },
        { "aes-cbc-sha1 pfs14", SecurityLevel.Compatible, "aes128-sha256-modp2048", "aes128-sha1", 14 },
        { "aes-cbc-sha256 pfs19", SecurityLevel.Modern, "aes256-sha256-ecp256", "aes256-sha256", 19 },
        { "aes-gcm-128", SecurityLevel.Modern, "aes128-sha256-modp2048", "aes128gcm16", 0 },
        { "aes-gcm-256 pfs14", SecurityLevel.Modern, "aes128-sha256-modp2048", "aes256gcm16", 14 },
        { "aes-gcm-128 pfs19", SecurityLevel.Modern, "aes256-sha256-ecp256", "aes128gcm16", 19 },
        { "3des-sha1", SecurityLevel.Compatible, "3des-sha256-modp2048", "3des-sha1", 0 },
        { "3des-sha1 pfs14", SecurityLevel.Compatible, "aes256-sha1-modp2048", "3des-sha1", 14 },
        { "3des-md5 legacy pfs19", SecurityLevel.Legacy, "aes128-md5-modp2048", "3des-md5", 19 },
    };

    internal static P1Offer Phase1(string name) => name switch
    {
        "aes128-sha256-modp2048" => P1Offer.Aes128Sha256Modp2048,
        "aes256-sha256-ecp256" => P1Offer.Aes256Sha256Ecp256,
        "aes256-sha1-modp2048" => P1Offer.Aes256Sha1Modp2048,
        "3des-sha256-modp2048" => P1Offer.TripleDesSha256Modp2048,
        "aes128-md5-modp2048" => P1Offer.Aes128Md5Modp2048,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    internal static EspOffer Esp(string name, ushort? group = null) => (name switch
    {
        "aes128-sha1" => EspOffer.AesCbc128Sha1(),
        "aes256-sha256" => EspOffer.AesCbc256Sha256(),
        "aes128gcm16" => EspOffer.AesGcm128(),
        "aes256gcm16" => EspOffer.AesGcm256(),
        "3des-sha1" => EspOffer.TripleDesSha1(),
        "3des-md5" => EspOffer.TripleDesMd5(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    }) with { Group = group };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Child_keys_equal_the_initiators_keymat_per_direction(string name, SecurityLevel level, string phase1, string esp, int pfs)
    {
        _ = name;
        using var responder = new IkeResponder(Net.Options(level, seed: 7 + pfs));
        using var initiator = new TestInitiator(11 + pfs, Net.Psk, Net.Client) { Phase1Offers = [Phase1(phase1)] };
        var session = new Session(responder, initiator).MainMode();
        Assert.Equal(1, responder.EstablishedCount);

        ushort? group = pfs == 0 ? null : (ushort)pfs;
        var offer = Esp(esp, group);
        var (qm, child) = session.QuickMode(new QmOptions
        {
            Offers = [offer],
            PfsGroup = group,
            Ids = (Net.UdpId(Net.Client.Address, 1701), Net.UdpId(Net.Server.Address, 1701)),
        });

        // SPIs: ours inbound is what we put in QM2; our outbound is the one the initiator chose.
        Assert.Equal(qm.OutboundSpi, child.InboundSpi);
        Assert.Equal(qm.InboundSpi, child.OutboundSpi);
        Assert.True(child.InboundSpi >= 256);

        // Responder inbound = initiator outbound, and the other way round.
        Assert.Equal(Convert.ToHexString(qm.OutEncryption), Convert.ToHexString(child.InboundEncryptionKey));
        Assert.Equal(Convert.ToHexString(qm.OutIntegrity), Convert.ToHexString(child.InboundIntegrityKey));
        Assert.Equal(Convert.ToHexString(qm.InEncryption), Convert.ToHexString(child.OutboundEncryptionKey));
        Assert.Equal(Convert.ToHexString(qm.InIntegrity), Convert.ToHexString(child.OutboundIntegrityKey));
        Assert.NotEqual(Convert.ToHexString(child.InboundEncryptionKey), Convert.ToHexString(child.OutboundEncryptionKey));

        var (encLength, integLength) = offer.KeyLengths();
        Assert.Equal(encLength, child.InboundEncryptionKey.Length);
        Assert.Equal(integLength, child.InboundIntegrityKey.Length);
        Assert.Equal(offer.TransformId switch { 3 => EspCipher.TripleDesCbc, 12 => EspCipher.AesCbc, _ => EspCipher.AesGcm16 }, child.Proposal.Cipher);
        Assert.Equal(group is null ? null : (int?)group, child.Proposal.PfsGroup);

        Assert.Equal(Net.Client, child.Peer);
        Assert.Equal(Net.Server, child.Local);
        Assert.False(child.UdpEncapsulated);
        Assert.Null(child.PeerOriginalAddress);
        Assert.Equal(3600u, child.LifetimeSeconds);
        Assert.Equal(initiator.InitiatorCookie, child.IkeSaInitiatorCookie);
        Assert.Equal(1, responder.SaCount);
    }

    [Fact]
    public void Gcm_keymat_carries_the_salt_as_its_last_four_bytes()
    {
        // RFC 4106 §8.1: a 128-bit GCM SA takes 20 bytes of KEYMAT; the salt is bytes 16..19.
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(3, Net.Psk, Net.Client);
        var (qm, child) = new Session(responder, initiator).MainMode().QuickMode(new QmOptions { Offers = [EspOffer.AesGcm128()] });
        Assert.Equal(20, child.OutboundEncryptionKey.Length);
        Assert.Empty(child.OutboundIntegrityKey);
        Assert.Equal(qm.InEncryption[16..], child.OutboundEncryptionKey[16..]);
    }

    [Fact]
    public void Main_mode_reply_echoes_one_offered_transform_and_advertises_dpd()
    {
        using var responder = new IkeResponder(Net.Options(SecurityLevel.Modern));
        using var initiator = new TestInitiator(5, Net.Psk, Net.Client)
        {
            // The first two are refused by Modern; the third is the one to pick.
            Phase1Offers = [P1Offer.TripleDesSha1Modp1024, P1Offer.Aes128Sha256Modp1024, P1Offer.Aes256Sha256Ecp256, P1Offer.Aes128Sha256Modp2048],
        };
        var session = new Session(responder, initiator);
        session.Step1();
        Assert.Equal(3, initiator.ChosenTransform!.Number);
        Assert.Equal(19, initiator.Group);
        Assert.Equal(P1Offer.Aes256Sha256Ecp256.ToTransform(3), initiator.ChosenTransform, TransformComparer.Instance);
        var vids = initiator.Mm2Payloads.OfType<VendorIdPayload>().Select(v => KnownVendorIds.Identify(v.Data)).ToList();
        Assert.Equal([KnownVendor.DeadPeerDetection], vids);
        Assert.Contains(session.Last.OfType<IkeLog>(), l => l.Message == "phase 1 proposal chosen");

        session.Step3();
        session.Step5();
        var idr = Assert.Single(initiator.Mm6Payloads.OfType<IdentificationPayload>());
        Assert.Equal(IdType.Ipv4Address, idr.IdType);
        Assert.Equal(Net.Server.Address.GetAddressBytes(), idr.Data);
        Assert.Contains(session.Last.OfType<IkeLog>(), l => l.Message == "IKE SA established");
        Assert.Empty(session.All.OfType<IkeInitialContact>());
    }

    [Fact]
    public void Several_quick_modes_under_one_ike_sa_get_distinct_spis_and_keys()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(9, Net.Psk, Net.Client);
        var session = new Session(responder, initiator).MainMode();
        var (qm1, c1) = session.QuickMode();
        var (qm2, c2) = session.QuickMode();
        Assert.NotEqual(c1.InboundSpi, c2.InboundSpi);
        Assert.NotEqual(Convert.ToHexString(c1.InboundEncryptionKey), Convert.ToHexString(c2.InboundEncryptionKey));
        Assert.Equal(qm2.OutEncryption, c2.InboundEncryptionKey);
        Assert.Equal(qm1.OutEncryption, c1.InboundEncryptionKey);
    }

    internal sealed class TransformComparer : IEqualityComparer<Transform>
    {
        public static readonly TransformComparer Instance = new();

        public bool Equals(Transform? x, Transform? y) =>
            x is not null && y is not null && x.Number == y.Number && x.TransformId == y.TransformId
            && x.Attributes.Select(a => (a.Type, a.AsInteger)).SequenceEqual(y.Attributes.Select(a => (a.Type, a.AsInteger)));

        public int GetHashCode(Transform t) => HashCode.Combine(t.Number, t.TransformId);
    }
}
