using System.Net;
using Appliance.Protocols.Ike.Fragments;
using Appliance.Protocols.Ike.Policy;
using Appliance.Protocols.Ike.Sa;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>
/// IKEv1 fragmentation (FRAGMENTATION vendor ID, payload 132): fragments from the peer put back
/// together in any order within bounds, ours sent when the peer announced the extension and a
/// message is larger than the path allows - Main Mode 6 with a certificate is the case that needs it.
/// </summary>
public class FragmentationTests
{
    private static readonly P1Offer RsaSig = P1Offer.Aes128Sha256Modp2048 with { Auth = 3 };
    private static (TestCert Ca, TestCert Server, TestCert Client) Pki => TestPki.Shared.Value;

    private static TestInitiator CertClient(int seed, byte[]? vendorId = null, IPEndPoint? self = null) =>
        new(seed, Net.Psk, self ?? Net.Client)
        {
            Phase1Offers = [RsaSig],
            Certificate = Pki.Client.Der,
            SigningKey = Pki.Client.Key,
            TrustedServerCa = Pki.Ca.Der,
            Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, Pki.Client.SubjectDn),
            FragmentationVendorId = vendorId ?? TestFragments.WindowsVendorId,
        };

    private static List<IkeAction> SendAll(Session s, IEnumerable<byte[]> datagrams)
    {
        var all = new List<IkeAction>();
        foreach (var d in datagrams) all.AddRange(s.Send(d));
        return all;
    }

    private static List<SendDatagram> Sent(List<IkeAction> actions) => actions.OfType<SendDatagram>().ToList();

    [Theory]
    [InlineData(1024, false)]
    [InlineData(1024, true)]
    [InlineData(576, false)]
    public void Certificate_main_mode_with_fragments_both_ways(int maxDatagram, bool natPort)
    {
        var options = CertificateAuthenticationTests.Options(seed: 600);
        using var responder = new IkeResponder(new IkeResponderOptions
        {
            PreSharedKey = options.PreSharedKey, Policy = options.Policy, Random = options.Random,
            Certificates = options.Certificates, MaxDatagram = maxDatagram,
        });
        using var initiator = new TestInitiator(601, Net.Psk, Net.Client)
        {
            Phase1Offers = [RsaSig], Certificate = Pki.Client.Der, SigningKey = Pki.Client.Key, TrustedServerCa = Pki.Ca.Der,
            Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, Pki.Client.SubjectDn),
            FragmentationVendorId = TestFragments.WindowsVendorId,
            NatT = natPort ? NatTVariant.Rfc3947 : NatTVariant.None, NatDResponder = Net.Server,
        };
        var s = new Session(responder, initiator);
        s.Step1();
        // MM2 answers the vendor ID with the one the client sent.
        Assert.Contains(initiator.Mm2Payloads.OfType<VendorIdPayload>(), v => v.Data.AsSpan().SequenceEqual(TestFragments.WindowsVendorId));
        s.Step3();

        if (natPort)
        {
            // RFC 3947: the initiator moves to 4500 with MM5; the 4-byte non-ESP marker then
            // counts against the datagram size too.
            s.NatPort = true;
            s.From = new IPEndPoint(Net.Client.Address, 4500);
            s.Local = Net.ServerNatT;
        }
        // MM5 (about 1.3 KB with the certificate) in three pieces, out of order.
        byte[] mm5 = initiator.MainMode5();
        Assert.True(mm5.Length > 1000);
        var pieces = TestFragments.Split(mm5, 1, 3);
        Assert.Empty(s.Send(pieces[2]));
        Assert.Empty(s.Send(pieces[0]));
        Assert.Equal(1, responder.FragmentedInProgress);
        var actions = s.Send(pieces[1]);
        Assert.Equal(0, responder.FragmentedInProgress);
        Assert.Equal(0, responder.FragmentBytesBuffered);

        // MM6 comes back in fragments, each within the path's limit.
        var mm6 = Sent(actions);
        Assert.True(mm6.Count >= 2, $"{mm6.Count} datagram(s)");
        int limit = maxDatagram - 20 - 8 - (natPort ? 4 : 0);
        Assert.All(mm6, d => Assert.True(d.Data.Length <= limit, $"{d.Data.Length} > {limit}"));
        Assert.All(mm6, d => Assert.Equal(natPort, d.NatTraversalPort));
        byte[] whole = TestFragments.Reassemble(mm6.Select(d => d.Data).ToList(), out ushort firstId);
        initiator.ReadMainMode6(whole);
        Assert.Equal(1, responder.EstablishedCount);

        // A retransmitted MM5 (its fragments again) gets the same MM6, in fragments under a new ID.
        var again = Sent(SendAll(s, pieces));
        byte[] whole2 = TestFragments.Reassemble(again.Select(d => d.Data).ToList(), out ushort secondId);
        Assert.Equal(whole, whole2);
        Assert.NotEqual(firstId, secondId);

        // Quick Mode messages are small: whole datagrams.
        var (qm, child) = s.QuickMode(new QmOptions { Offers = [EspOffer.AesCbc128Sha1()] });
        Assert.Equal(qm.OutEncryption, child.InboundEncryptionKey);
    }

    [Fact]
    public void Without_the_vendor_id_nothing_is_fragmented()
    {
        using var responder = new IkeResponder(Small(CertificateAuthenticationTests.Options(seed: 610)));
        using var initiator = new TestInitiator(611, Net.Psk, Net.Client)
        {
            Phase1Offers = [RsaSig], Certificate = Pki.Client.Der, SigningKey = Pki.Client.Key,
            Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, Pki.Client.SubjectDn),
        };
        var s = new Session(responder, initiator);
        s.Step1();
        Assert.DoesNotContain(initiator.Mm2Payloads.OfType<VendorIdPayload>(), v => v.Data.AsSpan().StartsWith(TestFragments.BareVendorId));
        s.Step3();
        s.Step5(); // exactly one datagram, however large
        Assert.True(s.Mm6.Length > 576 - 28, $"MM6 is {s.Mm6.Length} bytes");
    }

    [Fact]
    public void A_peer_that_sends_fragments_gets_fragments_even_without_the_vendor_id()
    {
        using var responder = new IkeResponder(Small(CertificateAuthenticationTests.Options(seed: 612)));
        using var initiator = new TestInitiator(613, Net.Psk, Net.Client)
        {
            Phase1Offers = [RsaSig], Certificate = Pki.Client.Der, SigningKey = Pki.Client.Key,
            Identity = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, Pki.Client.SubjectDn),
        };
        var s = new Session(responder, initiator);
        s.Step1();
        s.Step3();
        var mm6 = Sent(SendAll(s, TestFragments.Split(initiator.MainMode5(), 7, 2)));
        Assert.True(mm6.Count >= 2);
        initiator.ReadMainMode6(TestFragments.Reassemble(mm6.Select(d => d.Data).ToList(), out _));
    }

    /// <summary>The options with 576-byte datagrams: our test certificates are smaller than
    /// real ones, and MM6 must exceed the limit for these tests to mean anything.</summary>
    private static IkeResponderOptions Small(IkeResponderOptions o) => new()
    {
        PreSharedKey = o.PreSharedKey, Policy = o.Policy, Random = o.Random, Certificates = o.Certificates,
        MaxHalfOpenPerPeer = o.MaxHalfOpenPerPeer, MaxDatagram = 576,
    };

    /// <summary>A session at MM5 whose SA can take fragments; returns it and MM5 (built once: the
    /// initiator's CBC state moves with each MM5 it builds).</summary>
    private static (IkeResponder Responder, Session Session, byte[] Mm5) AtMm5(int seed)
    {
        var responder = new IkeResponder(Small(CertificateAuthenticationTests.Options(seed: seed)));
        var initiator = CertClient(seed + 1);
        var s = new Session(responder, initiator);
        s.Step1();
        s.Step3();
        return (responder, s, initiator.MainMode5());
    }

    /// <summary>MM5 in one piece and MM6 (in fragments) read back.</summary>
    private static void FinishWhole(Session s, byte[] mm5) =>
        s.Initiator.ReadMainMode6(TestFragments.Reassemble(Sent(s.Send(mm5)).Select(d => d.Data).ToList(), out _));

    [Fact]
    public void Identical_repeats_are_ignored_and_a_changed_piece_starts_over()
    {
        var (responder, s, mm5) = AtMm5(620);
        using (responder)
        {
            var pieces = TestFragments.Split(mm5, 3, 3);
            Assert.Empty(s.Send(pieces[0]));
            Assert.Empty(s.Send(pieces[0]));
            Assert.Equal(1, responder.Drops["fragment: duplicate fragment"]);
            // Same number, other bytes: a new message under the same ID (racoon uses ID 1 for all):
            // the old pieces go, this one starts the new message.
            var other = TestFragments.Carrier(mm5, 3, 1, false, new byte[40]);
            Assert.Empty(s.Send(other));
            Assert.Equal(40, responder.FragmentBytesBuffered);
            // The real message, resent whole in fragments, completes.
            var actions = SendAll(s, pieces);
            s.Initiator.ReadMainMode6(TestFragments.Reassemble(Sent(actions).Select(d => d.Data).ToList(), out _));
            Assert.Equal(1, responder.EstablishedCount);
        }
    }

    [Fact]
    public void A_new_fragment_id_replaces_an_unfinished_message()
    {
        var (responder, s, mm5) = AtMm5(625);
        using (responder)
        {
            Assert.Empty(s.Send(TestFragments.Split(mm5, 1, 3)[0]));
            var actions = SendAll(s, TestFragments.Split(mm5, 2, 3));
            Assert.NotEmpty(Sent(actions));
            Assert.Equal(1, responder.EstablishedCount);
            Assert.Equal(0, responder.FragmentBytesBuffered);
        }
    }

    public static TheoryData<string, string> Inconsistencies => new()
    {
        { "two different last fragments", "inconsistent last fragment" },
        { "a piece beyond the last", "fragment beyond the last one" },
        { "last below a piece already held", "inconsistent last fragment" },
        { "number over the limit", "fragment number over the limit" },
        { "over the size limit", "fragmented message over the size limit" },
        { "empty piece", "empty fragment" },
    };

    [Theory]
    [MemberData(nameof(Inconsistencies))]
    public void Inconsistent_fragments_are_dropped_and_free_their_message(string name, string reason)
    {
        var (responder, s, mm5) = AtMm5(630);
        using (responder)
        {
            byte[] F(byte number, bool last, int size = 100) => TestFragments.Carrier(mm5, 9, number, last, new byte[size]);
            switch (name)
            {
                case "two different last fragments": s.Send(F(3, true)); s.Send(F(4, true)); break;
                case "a piece beyond the last": s.Send(F(2, true)); s.Send(F(3, false)); break;
                case "last below a piece already held": s.Send(F(5, false)); s.Send(F(2, true)); break;
                case "number over the limit": s.Send(F(FragmentReassembler.MaxFragments + 1, false)); break;
                case "over the size limit":
                    for (byte n = 1; n <= 17; n++) s.Send(F(n, false, 1000)); // the 17th passes 16 KiB
                    break;
                case "empty piece": s.Send(F(1, false, 0)); break;
            }
            Assert.Equal(1, responder.Drops["fragment: " + reason]);
            Assert.Equal(0, responder.FragmentedInProgress);
            Assert.Equal(0, responder.FragmentBytesBuffered);
            Assert.Equal(0, responder.EstablishedCount);
            // The SA itself is untouched: the real MM5 in one piece still works.
            FinishWhole(s, mm5);
            Assert.Equal(1, responder.EstablishedCount);
        }
    }

    [Fact]
    public void Fragments_never_completed_are_freed_after_the_timeout()
    {
        var (responder, s, mm5) = AtMm5(640);
        using (responder)
        {
            s.Send(TestFragments.Split(mm5, 4, 3)[1]);
            Assert.Equal(1, responder.FragmentedInProgress);
            Assert.NotEqual(0, responder.FragmentBytesBuffered);
            Assert.DoesNotContain(responder.Tick(s.Now + FragmentReassembler.Timeout - TimeSpan.FromSeconds(1)).OfType<IkeLog>(),
                l => l.Message.Contains("fragment"));
            Assert.Equal(1, responder.FragmentedInProgress);
            var log = Assert.Single(responder.Tick(s.Now + FragmentReassembler.Timeout + TimeSpan.FromSeconds(1)).OfType<IkeLog>(),
                l => l.Message == "incomplete fragmented messages expired");
            Assert.Contains(log.Fields, f => f is ("count", 1));
            Assert.Equal(0, responder.FragmentedInProgress);
            Assert.Equal(0, responder.FragmentBytesBuffered);
            // A late piece of the old message after the timeout starts afresh instead of completing garbage.
            s.Now += FragmentReassembler.Timeout;
            s.Send(TestFragments.Split(mm5, 4, 3)[0]);
            Assert.Equal(1, responder.FragmentedInProgress);
        }
    }

    [Fact]
    public void Fragments_are_taken_only_for_existing_sas_from_their_peer()
    {
        var (responder, s, mm5) = AtMm5(650);
        using (responder)
        {
            var piece = TestFragments.Split(mm5, 5, 2)[0];
            byte[] unknown = piece.ToArray();
            unknown[15] ^= 0xff; // another responder cookie
            s.Send(unknown);
            Assert.Equal(1, responder.Drops["fragment: unknown cookies"]);
            byte[] initial = piece.ToArray();
            Array.Clear(initial, 8, 8); // responder cookie 0: before any SA
            s.Send(initial);
            Assert.Equal(2, responder.Drops["fragment: unknown cookies"]);
            s.From = new IPEndPoint(IPAddress.Parse("192.0.2.66"), 500);
            s.Send(piece);
            Assert.Equal(1, responder.Drops["fragment: from another address"]);
            Assert.Equal(0, responder.FragmentedInProgress);
        }
    }

    [Fact]
    public void A_reassembled_message_must_be_of_the_same_sa_and_not_itself_a_fragment()
    {
        var (responder, s, mm5) = AtMm5(655);
        using (responder)
        {
            byte[] foreign = mm5.ToArray();
            foreign[0] ^= 1; // the message inside names other cookies
            foreach (var p in TestFragments.Split(foreign, 6, 2))
            {
                p.AsSpan(0, 16).Clear();
                mm5.AsSpan(0, 16).CopyTo(p); // carriers under the real SA's cookies
                s.Send(p);
            }
            Assert.Equal(1, responder.Drops["fragment: reassembled message of another SA"]);

            var nested = TestFragments.Carrier(mm5, 1, 1, true, new byte[20]);
            foreach (var p in TestFragments.Split(nested, 8, 2)) s.Send(p);
            Assert.Equal(1, responder.Drops["fragment: nested fragments"]);
            Assert.Equal(0, responder.EstablishedCount);
        }
    }

    [Fact]
    public void Messages_in_progress_are_bounded_per_source_address()
    {
        var options = Net.Options(seed: 660, maxHalfOpenPerPeer: 20);
        using var responder = new IkeResponder(options);
        var sessions = new List<Session>();
        for (int i = 0; i < FragmentReassembler.MaxInProgressPerSource + 1; i++)
        {
            var initiator = new TestInitiator(661 + i, Net.Psk, Net.Client)
            {
                Phase1Offers = [P1Offer.Aes256Sha256Ecp256], FragmentationVendorId = TestFragments.BareVendorId,
            };
            var s = new Session(responder, initiator);
            s.Step1();
            s.Step3();
            sessions.Add(s);
        }
        for (int i = 0; i < sessions.Count; i++)
        {
            var s = sessions[i];
            s.Send(TestFragments.Split(s.Initiator.MainMode5(), 1, 2)[0]);
        }
        Assert.Equal(FragmentReassembler.MaxInProgressPerSource, responder.FragmentedInProgress);
        Assert.Equal(1, responder.Drops["fragment: too many fragmented messages in progress from this address"]);
        // Removing an SA frees its pieces (here: the half-open SAs expire).
        responder.Tick(Net.T0 + options.HalfOpenTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(0, responder.FragmentedInProgress);
        Assert.Equal(0, responder.FragmentBytesBuffered);
        foreach (var s in sessions) s.Initiator.Dispose();
    }

    [Fact]
    public void Every_truncation_and_random_mutation_of_a_carrier_is_handled_without_exceptions()
    {
        var (responder, s, mm5) = AtMm5(670);
        using (responder)
        {
            var pieces = TestFragments.Split(mm5, 11, 2);
            foreach (var piece in pieces)
                for (int n = 0; n < piece.Length; n++)
                    s.Send(piece[..n]);
            var random = new Random(671);
            for (int i = 0; i < 2000; i++)
            {
                byte[] m = pieces[random.Next(pieces.Count)].ToArray();
                for (int f = 0; f < 1 + random.Next(3); f++) m[random.Next(m.Length)] = (byte)random.Next(256);
                s.Send(m);
            }
            Assert.True(responder.FragmentBytesBuffered <= FragmentReassembler.MaxBufferedBytes);
            Assert.True(responder.FragmentedInProgress <= 1);
        }
    }

    [Fact]
    public void The_fragmenter_splits_at_the_limit_and_the_pieces_read_back()
    {
        byte[] message = new byte[28 + 3000];
        new Random(5).NextBytes(message.AsSpan(28));
        new IsakmpHeader(1, 2, PayloadType.Hash, 0x10, ExchangeType.IdentityProtection, IsakmpFlags.Encryption, 0, (uint)message.Length).Encode(message);
        var carriers = IkeFragmenter.Split(message, 42, 1000);
        Assert.Equal(4, carriers.Count); // 964 data bytes per 1000-byte carrier
        Assert.All(carriers, c => Assert.True(c.Length <= 1000));
        Assert.Equal(message, TestFragments.Reassemble(carriers, out ushort id));
        Assert.Equal(42, id);
        Assert.Equal(1280 - 28, IkeFragmenter.MaxMessage(1280, System.Net.Sockets.AddressFamily.InterNetwork, false));
        Assert.Equal(1280 - 52, IkeFragmenter.MaxMessage(1280, System.Net.Sockets.AddressFamily.InterNetworkV6, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IkeResponderOptions { PreSharedKey = [], Policy = new AlgorithmPolicy(SecurityLevel.Modern), MaxDatagram = 500 });
    }
}
