using System.Net;
using Appliance.Protocols.Ike.Auth;
using Appliance.Protocols.Ike.Policy;
using Appliance.Protocols.Ike.Sa;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>
/// Main Mode with RSA signatures (RFC 2409 §5.1) against the in-memory initiator: the keys from
/// SKEYID = prf(Ni | Nr, g^xy), SIG_I/SIG_R as PKCS#1 type 1 around the bare hash, certificates
/// chained to the configured CA, identities matched to the certificate, and refusals that leave
/// nothing behind.
/// </summary>
public class CertificateAuthenticationTests
{
    private static readonly P1Offer RsaSig = P1Offer.Aes128Sha256Modp2048 with { Auth = 3 };
    private static readonly P1Offer RsaSigSha1 = P1Offer.Aes256Sha1Modp2048 with { Auth = 3 };

    private static (TestCert Ca, TestCert Server, TestCert Client) Pki => TestPki.Shared.Value;

    internal static IkeResponderOptions Options(TestCert? ca = null, TestCert? server = null, int seed = 300) => new()
    {
        PreSharedKey = Net.Psk,
        Policy = new AlgorithmPolicy(SecurityLevel.Compatible),
        Random = new SeededRandom(seed),
        Certificates = IkeCertificateCredentials.Create((server ?? Pki.Server).Der, new RsaKeySigner((server ?? Pki.Server).Key), [(ca ?? Pki.Ca).Der]),
    };

    private static TestInitiator Client(int seed, TestCert cert, IdentificationPayload? id = null, P1Offer? offer = null) =>
        new(seed, Net.Psk, Net.Client)
        {
            Phase1Offers = [offer ?? RsaSig],
            Certificate = cert.Der,
            SigningKey = cert.Key,
            TrustedServerCa = Pki.Ca.Der,
            Identity = id ?? new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, cert.SubjectDn),
        };

    /// <summary>MM1-MM5; returns the actions of MM5.</summary>
    private static List<IkeAction> UpToMm5(Session s)
    {
        s.Step1();
        s.Step3();
        return s.Send(s.Initiator.MainMode5());
    }

    [Theory]
    [InlineData("sha256")]
    [InlineData("sha1")]
    public void Certificate_main_mode_establishes_and_quick_mode_keys_agree(string hash)
    {
        using var responder = new IkeResponder(Options());
        using var initiator = Client(401, Pki.Client, offer: hash == "sha1" ? RsaSigSha1 : RsaSig);
        var s = new Session(responder, initiator);
        s.Step1();
        Assert.True(initiator.SignatureAuth);
        s.Step3();
        // MM4 asks for a certificate from our CA, by its subject DN.
        var request = Assert.Single(initiator.Mm4Payloads.OfType<CertificateRequestPayload>());
        Assert.Equal(4, request.Encoding);
        Assert.Equal(Pki.Ca.SubjectDn, request.Authority);
        s.Step5(); // ReadMainMode6 checks IDir = our DN, our CERT chains to the CA, SIG_R over HASH_R
        Assert.Equal(Pki.Server.Der, initiator.ServerCertificate);
        Assert.Equal(1, responder.EstablishedCount);
        var established = Assert.Single(s.All.OfType<IkeLog>(), l => l.Message == "IKE SA established");
        Assert.Contains(established.Fields, f => f is ("auth", "rsa-signature"));
        Assert.Contains(established.Fields, f => f is ("certificate", "CN=alice"));

        // Quick Mode under SKEYID_a/d from the signature SKEYID: the initiator computed its own.
        var (qm, child) = s.QuickMode(new QmOptions { Offers = [EspOffer.AesCbc128Sha1()] });
        Assert.Equal(qm.OutEncryption, child.InboundEncryptionKey);
        Assert.Equal(qm.InIntegrity, child.OutboundIntegrityKey);
    }

    [Theory]
    [InlineData(IdType.Fqdn, "alice")]
    [InlineData(IdType.UserFqdn, "alice@example.org")]
    [InlineData(IdType.Ipv4Address, "203.0.113.5")]
    public void Identity_may_be_any_name_the_certificate_carries(byte type, string value)
    {
        byte[] data = type == IdType.Ipv4Address ? IPAddress.Parse(value).GetAddressBytes() : System.Text.Encoding.ASCII.GetBytes(value);
        using var responder = new IkeResponder(Options());
        using var initiator = Client(402 + type, Pki.Client, new IdentificationPayload(type, 17, 500, data));
        new Session(responder, initiator).MainMode();
        Assert.Equal(1, responder.EstablishedCount);
    }

    public static TheoryData<string, ushort, string> Refusals => new()
    {
        // case, notify the client gets, words of the log reason
        { "wrong CA", NotifyType.InvalidCertAuthority, "not a CA this box trusts" },
        { "expired", NotifyType.InvalidCertificate, "not valid now" },
        { "not yet valid", NotifyType.InvalidCertificate, "not valid now" },
        { "server-only EKU", NotifyType.InvalidCertificate, "extended key usage" },
        { "no digitalSignature", NotifyType.InvalidCertificate, "key usage" },
        { "1024-bit key", NotifyType.InvalidCertificate, "1024 bits" },
        { "identity not in certificate", NotifyType.InvalidIdInformation, "is not the certificate's" },
        { "DN of someone else", NotifyType.InvalidIdInformation, "is not the certificate's" },
        { "malformed DN", NotifyType.InvalidIdInformation, "(malformed DN) is not the certificate's" },
        { "signature by another key", NotifyType.InvalidSignature, "does not verify" },
        { "corrupted signature", NotifyType.InvalidSignature, "does not verify" },
        { "no certificate", NotifyType.InvalidCertificate, "no certificate" },
        { "garbage certificate", NotifyType.InvalidCertificate, "malformed" },
        { "client presents the CA certificate", NotifyType.InvalidCertificate, "a CA certificate cannot" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Refused_clients_get_a_clear_log_line_an_encrypted_notify_and_leave_no_state(string name, ushort notify, string reason)
    {
        var (ca, _, client) = Pki;
        DateTime now = Net.T0.UtcDateTime;
        TestInitiator initiator = name switch
        {
            "wrong CA" => Client(410, TestPki.Leaf(TestPki.Ca("Test Box VPN CA"), "CN=alice", ["DNS:alice"], ["1.3.6.1.5.5.7.3.2"])),
            "expired" => Client(411, TestPki.Leaf(ca, "CN=alice", ["DNS:alice"], null, now.AddYears(-3), now.AddDays(-1))),
            "not yet valid" => Client(412, TestPki.Leaf(ca, "CN=alice", ["DNS:alice"], null, now.AddDays(1), now.AddYears(1))),
            "server-only EKU" => Client(413, TestPki.Leaf(ca, "CN=alice", ["DNS:alice"], ["1.3.6.1.5.5.7.3.1"])),
            "no digitalSignature" => Client(414, TestPki.Leaf(ca, "CN=alice", ["DNS:alice"], null, keyUsage: Org.BouncyCastle.Asn1.X509.KeyUsage.KeyEncipherment)),
            "1024-bit key" => Client(415, TestPki.Leaf(ca, "CN=alice", ["DNS:alice"], null, keyBits: 1024)),
            "identity not in certificate" => Client(416, client, new IdentificationPayload(IdType.Fqdn, 0, 0, "mallory"u8.ToArray())),
            "DN of someone else" => Client(417, client, new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, Pki.Server.SubjectDn)),
            "malformed DN" => Client(423, client, new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, [0x30, 0x09, 0x31, 0x07, 0x30, 0x05, 0x06, 0x03, 0x55])),
            "signature by another key" => new TestInitiator(418, Net.Psk, Net.Client)
            {
                Phase1Offers = [RsaSig], Certificate = client.Der, SigningKey = Pki.Server.Key,
                Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, client.SubjectDn),
            },
            "corrupted signature" => new TestInitiator(419, Net.Psk, Net.Client)
            {
                Phase1Offers = [RsaSig], Certificate = client.Der, SigningKey = client.Key, CorruptSignature = true,
                Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, client.SubjectDn),
            },
            "no certificate" => new TestInitiator(420, Net.Psk, Net.Client)
            {
                Phase1Offers = [RsaSig], SigningKey = client.Key, Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, client.SubjectDn),
            },
            "garbage certificate" => new TestInitiator(421, Net.Psk, Net.Client)
            {
                Phase1Offers = [RsaSig], Certificate = [0x30, 0x82, 0x01, 0x00, 0x02, 0x01], SigningKey = client.Key,
                Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, client.SubjectDn),
            },
            "client presents the CA certificate" => new TestInitiator(422, Net.Psk, Net.Client)
            {
                Phase1Offers = [RsaSig], Certificate = ca.Der, SigningKey = ca.Key,
                Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, ca.SubjectDn),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        using (initiator)
        {
            using var responder = new IkeResponder(Options());
            var s = new Session(responder, initiator);
            var actions = UpToMm5(s);

            var log = Assert.Single(actions.OfType<IkeLog>(), l => l.Message == "client certificate authentication failed");
            Assert.Equal("warn", log.Level);
            Assert.Contains(reason, (string)log.Fields.Single(f => f.Key == "reason").Value!);
            Assert.DoesNotContain(actions.OfType<IkeLog>(), l => l.Message == "IKE SA established");
            Assert.Equal(0, responder.SaCount);

            var payloads = initiator.ReadInformational(Session.OnlyDatagram(actions).Data, initiator.Keys, initiator.LastMm5Block);
            Assert.Equal(notify, Assert.IsType<NotificationPayload>(Assert.Single(payloads)).MessageType);

            // Nothing is left to answer a retransmission with.
            Assert.Empty(s.Send(s.Mm5Bytes.Length > 0 ? s.Mm5Bytes : initiator.MainMode5()));
        }
    }

    [Fact]
    public void An_intermediate_ca_the_client_sends_is_followed_when_the_root_allows_it()
    {
        var root = TestPki.Ca("Root CA", pathLength: 1);
        var intermediate = TestPki.Ca("Intermediate CA", pathLength: 0, issuer: root);
        var server = TestPki.Leaf(root, "CN=vpn.example.org", ["DNS:vpn.example.org"], ["1.3.6.1.5.5.7.3.1"]);
        var leaf = TestPki.Leaf(intermediate, "CN=bob", ["DNS:bob"], ["1.3.6.1.5.5.7.3.2"]);
        using (var responder = new IkeResponder(Options(root, server)))
        {
            using var withChain = new TestInitiator(430, Net.Psk, Net.Client)
            {
                Phase1Offers = [RsaSig], Certificate = leaf.Der, ChainCertificates = [intermediate.Der], SigningKey = leaf.Key,
                TrustedServerCa = root.Der, Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, leaf.SubjectDn),
            };
            new Session(responder, withChain).MainMode();
            Assert.Equal(1, responder.EstablishedCount);
        }

        // Without the intermediate the chain does not reach the root.
        using (var responder = new IkeResponder(Options(root, server)))
        {
            using var alone = new TestInitiator(431, Net.Psk, Net.Client)
            {
                Phase1Offers = [RsaSig], Certificate = leaf.Der, SigningKey = leaf.Key,
                Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, leaf.SubjectDn),
            };
            var actions = UpToMm5(new Session(responder, alone));
            Assert.Contains(actions.OfType<IkeLog>(), l => l.Message == "client certificate authentication failed");
        }

        // A root with path length 0 (as the box's own CA) allows no intermediate.
        var strictRoot = TestPki.Ca("Strict Root", pathLength: 0);
        var strictIntermediate = TestPki.Ca("Sneaky Intermediate", pathLength: 0, issuer: strictRoot);
        var strictServer = TestPki.Leaf(strictRoot, "CN=vpn", ["DNS:vpn"]);
        var sneaky = TestPki.Leaf(strictIntermediate, "CN=eve", ["DNS:eve"]);
        using (var responder = new IkeResponder(Options(strictRoot, strictServer)))
        {
            using var eve = new TestInitiator(432, Net.Psk, Net.Client)
            {
                Phase1Offers = [RsaSig], Certificate = sneaky.Der, ChainCertificates = [strictIntermediate.Der], SigningKey = sneaky.Key,
                Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, sneaky.SubjectDn),
            };
            var actions = UpToMm5(new Session(responder, eve));
            var log = Assert.Single(actions.OfType<IkeLog>(), l => l.Message == "client certificate authentication failed");
            Assert.Contains("no intermediate", (string)log.Fields.Single(f => f.Key == "reason").Value!);
            Assert.Equal(0, responder.SaCount);
        }
    }

    [Fact]
    public void Without_certificates_rsa_signature_proposals_are_not_chosen_and_psk_still_is()
    {
        using (var responder = new IkeResponder(Net.Options(SecurityLevel.Compatible)))
        {
            using var only = new TestInitiator(440, Net.Psk, Net.Client) { Phase1Offers = [RsaSig] };
            var actions = new Session(responder, only).Send(only.MainMode1());
            var log = Assert.Single(actions.OfType<IkeLog>(), l => l.Message == "no acceptable phase-1 proposal");
            Assert.Contains(log.Fields, f => f is ("certificates", false));
            Assert.Equal(0, responder.SaCount);
        }
        using (var responder = new IkeResponder(Net.Options(SecurityLevel.Compatible)))
        {
            using var both = new TestInitiator(441, Net.Psk, Net.Client) { Phase1Offers = [RsaSig, P1Offer.Aes128Sha256Modp2048] };
            var s = new Session(responder, both).MainMode();
            Assert.False(both.SignatureAuth);
            Assert.Equal(1, responder.EstablishedCount);
        }
        // With certificates configured, PSK clients keep working (and get no CERTREQ).
        using (var responder = new IkeResponder(Options()))
        {
            using var psk = new TestInitiator(442, Net.Psk, Net.Client);
            var s = new Session(responder, psk).MainMode();
            Assert.Empty(psk.Mm4Payloads.OfType<CertificateRequestPayload>());
            Assert.Equal(1, responder.EstablishedCount);
        }
    }

    [Fact]
    public void Credentials_are_checked_when_configured()
    {
        var (ca, server, client) = Pki;
        Assert.Contains("not the key", Assert.Throws<ArgumentException>(() =>
            IkeCertificateCredentials.Create(server.Der, new RsaKeySigner(client.Key), [ca.Der])).Message);
        Assert.Contains("not a CA", Assert.Throws<ArgumentException>(() =>
            IkeCertificateCredentials.Create(server.Der, new RsaKeySigner(server.Key), [client.Der])).Message);
        Assert.Throws<ArgumentException>(() => IkeCertificateCredentials.Create([1, 2, 3], new RsaKeySigner(server.Key), [ca.Der]));
        Assert.Throws<ArgumentException>(() => IkeCertificateCredentials.Create(server.Der, new RsaKeySigner(server.Key), []));
        var ok = IkeCertificateCredentials.Create(server.Der, new RsaKeySigner(server.Key), [ca.Der]);
        Assert.Equal(server.SubjectDn, ok.ServerSubjectDn);
    }

    [Fact]
    public void Mutated_certificates_never_throw_out_of_the_responder()
    {
        var (_, _, client) = Pki;
        var random = new Random(77);
        for (int i = 0; i < 60; i++)
        {
            byte[] mutated = client.Der.ToArray();
            int flips = 1 + random.Next(4);
            for (int f = 0; f < flips; f++) mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
            if (i % 3 == 0) mutated = mutated[..random.Next(mutated.Length)];
            using var responder = new IkeResponder(Options(seed: 500 + i));
            using var initiator = new TestInitiator(500 + i, Net.Psk, Net.Client)
            {
                Phase1Offers = [RsaSig], Certificate = mutated, SigningKey = client.Key,
                Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, client.SubjectDn),
            };
            var actions = UpToMm5(new Session(responder, initiator));
            // Either refused (most), or a flip in a part nobody signs over... there is none: the
            // CA's signature covers everything but the outer signature value itself.
            Assert.Equal(0, responder.EstablishedCount);
            Assert.Equal(0, responder.SaCount);
            Assert.Contains(actions.OfType<IkeLog>(), l => l.Message == "client certificate authentication failed");
        }
    }
}
