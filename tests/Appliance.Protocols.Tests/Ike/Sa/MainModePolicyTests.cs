using Appliance.Protocols.Ike.Policy;
using Appliance.Protocols.Ike.Sa;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>Security levels, wrong PSK, Aggressive Mode.</summary>
public class MainModePolicyTests
{
    public static TheoryData<string> ModernRefusesPhase1 => new() { "3des", "sha1", "modp1024", "md5" };

    private static P1Offer Weak(string what) => what switch
    {
        "3des" => P1Offer.TripleDesSha256Modp2048,
        "sha1" => P1Offer.Aes256Sha1Modp2048,
        "modp1024" => P1Offer.Aes128Sha256Modp1024,
        "md5" => P1Offer.Aes128Md5Modp2048,
        _ => throw new ArgumentOutOfRangeException(nameof(what)),
    };

    /// <summary>Sends MM1 and returns the single plain NO-PROPOSAL-CHOSEN notify's payload.</summary>
    private static NotificationPayload AssertPlainNoProposalChosen(IkeResponder responder, TestInitiator initiator)
    {
        var actions = responder.Receive(initiator.MainMode1(), Net.Client, Net.Server, false, Net.T0);
        var reply = Session.OnlyDatagram(actions);
        Assert.Equal(Net.Client, reply.To);
        Assert.Equal(DecodeError.None, IkeMessage.TryDecode(reply.Data, out var header, out var payloads));
        Assert.Equal(ExchangeType.Informational, header.Exchange);
        Assert.Equal(IsakmpFlags.None, header.Flags);
        Assert.Equal(0u, header.MessageId);
        Assert.Equal(initiator.InitiatorCookie, header.InitiatorCookie);
        var n = Assert.IsType<NotificationPayload>(Assert.Single(payloads));
        Assert.Equal(14, n.MessageType);
        Assert.Equal(ProtocolId.Isakmp, n.Protocol);
        Assert.Contains(actions.OfType<IkeLog>(), l => l.Message == "no acceptable phase-1 proposal");
        Assert.Equal(0, responder.SaCount);
        return n;
    }

    [Theory]
    [MemberData(nameof(ModernRefusesPhase1))]
    public void Modern_refuses_weak_phase1_with_a_plain_no_proposal_chosen(string weak)
    {
        using var responder = new IkeResponder(Net.Options(SecurityLevel.Modern));
        using var initiator = new TestInitiator(50, Net.Psk, Net.Client) { Phase1Offers = [Weak(weak)] };
        AssertPlainNoProposalChosen(responder, initiator);
    }

    [Theory]
    [InlineData("3des")]
    [InlineData("sha1")]
    [InlineData("modp1024")]
    public void Compatible_accepts_3des_sha1_and_modp1024(string weak)
    {
        using var responder = new IkeResponder(Net.Options(SecurityLevel.Compatible));
        using var initiator = new TestInitiator(51, Net.Psk, Net.Client) { Phase1Offers = [Weak(weak)] };
        new Session(responder, initiator).MainMode();
        Assert.Equal(1, responder.EstablishedCount);
    }

    [Fact]
    public void Compatible_refuses_md5_and_legacy_accepts_it()
    {
        using (var compatible = new IkeResponder(Net.Options(SecurityLevel.Compatible)))
        using (var initiator = new TestInitiator(52, Net.Psk, Net.Client) { Phase1Offers = [P1Offer.Aes128Md5Modp2048] })
            AssertPlainNoProposalChosen(compatible, initiator);

        using var legacy = new IkeResponder(Net.Options(SecurityLevel.Legacy));
        using var again = new TestInitiator(52, Net.Psk, Net.Client) { Phase1Offers = [P1Offer.Aes128Md5Modp2048] };
        var s = new Session(legacy, again).MainMode();
        var (qm, child) = s.QuickMode(new QmOptions { Offers = [EspOffer.TripleDesMd5()] });
        Assert.Equal(qm.OutIntegrity, child.InboundIntegrityKey);
        Assert.Equal(16, child.InboundIntegrityKey.Length);
    }

    [Fact]
    public void No_level_accepts_anything_but_pre_shared_keys()
    {
        using var responder = new IkeResponder(Net.Options(SecurityLevel.Legacy));
        using var initiator = new TestInitiator(53, Net.Psk, Net.Client) { Phase1Offers = [P1Offer.Aes128Sha256Modp2048 with { Auth = 3 }] };
        AssertPlainNoProposalChosen(responder, initiator);
    }

    [Theory]
    [InlineData(SecurityLevel.Modern, "3des-sha1", 0, false)]
    [InlineData(SecurityLevel.Modern, "aes128-sha1", 0, false)]
    [InlineData(SecurityLevel.Modern, "aes128gcm16", 2, false)]   // PFS with MODP-1024
    [InlineData(SecurityLevel.Modern, "aes128gcm16", 14, true)]
    [InlineData(SecurityLevel.Compatible, "3des-sha1", 2, true)]
    [InlineData(SecurityLevel.Compatible, "aes128-sha1", 0, true)]
    [InlineData(SecurityLevel.Compatible, "3des-md5", 0, false)]
    [InlineData(SecurityLevel.Legacy, "3des-md5", 0, true)]
    public void Quick_mode_follows_the_security_level(SecurityLevel level, string esp, int pfs, bool accepted)
    {
        using var responder = new IkeResponder(Net.Options(level));
        using var initiator = new TestInitiator(54 + pfs, Net.Psk, Net.Client) { Phase1Offers = [P1Offer.Aes256Sha256Ecp256] };
        var s = new Session(responder, initiator).MainMode();
        ushort? group = pfs == 0 ? null : (ushort)pfs;
        var options = new QmOptions { Offers = [FullExchangeTests.Esp(esp, group)], PfsGroup = group };
        if (accepted)
        {
            var (qm, child) = s.QuickMode(options);
            Assert.Equal(qm.OutEncryption, child.InboundEncryptionKey);
            return;
        }
        var qm1 = initiator.QuickMode1(options);
        var reply = Session.OnlyDatagram(s.Send(qm1.Message));
        var n = Assert.IsType<NotificationPayload>(Assert.Single(initiator.ReadInformational(reply.Data)));
        Assert.Equal(14, n.MessageType);
        Assert.Empty(s.Last.OfType<InstallChildSa>());
        // A QM3 for the refused exchange installs nothing either.
        qm1.Chosen = options.Offers[0];
        qm1.NonceR = new byte[32];
        Assert.Empty(s.Send(initiator.QuickMode3(qm1)).OfType<InstallChildSa>());
    }

    [Fact]
    public void First_acceptable_esp_transform_in_the_clients_order_is_chosen()
    {
        using var responder = new IkeResponder(Net.Options(SecurityLevel.Modern));
        using var initiator = new TestInitiator(56, Net.Psk, Net.Client);
        var s = new Session(responder, initiator).MainMode();
        var (qm, child) = s.QuickMode(new QmOptions { Offers = [EspOffer.TripleDesSha1(), EspOffer.AesCbc128Sha1(), EspOffer.AesCbc256Sha256(), EspOffer.AesGcm128()] });
        Assert.Equal(EspOffer.AesCbc256Sha256(), qm.Chosen);
        Assert.Equal(32, child.InboundEncryptionKey.Length);
        Assert.Equal(32, child.InboundIntegrityKey.Length);
    }

    [Fact]
    public void Wrong_psk_is_logged_once_answered_encrypted_and_leaves_no_sa()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(57, "not the key"u8.ToArray(), Net.Client);
        var s = new Session(responder, initiator);
        s.Step1();
        s.Step3();
        byte[] mm5 = initiator.MainMode5();
        var actions = s.Send(mm5);

        var mismatch = Assert.Single(actions.OfType<IkeLog>(), l => l.Message.Contains("pre-shared key mismatch"));
        Assert.Equal("warn", mismatch.Level);
        Assert.DoesNotContain(actions.OfType<IkeLog>(), l => l.Message == "IKE SA established");
        var reply = Session.OnlyDatagram(actions);
        Assert.Equal(0, responder.SaCount);
        Assert.Equal(0, responder.EstablishedCount);

        // It is encrypted under the responder's (right-PSK) keys, IV chained from the last block
        // of MM5 as RFC 2409 Appendix B says for a new exchange: readable with those keys.
        var payloads = initiator.ReadInformational(reply.Data, initiator.KeysFor(Net.Psk), initiator.LastMm5Block);
        var n = Assert.IsType<NotificationPayload>(Assert.Single(payloads));
        Assert.Equal(24, n.MessageType); // AUTHENTICATION-FAILED
        Assert.Equal(ProtocolId.Isakmp, n.Protocol);

        // The SA is gone: the same MM5 again is an unknown SA.
        long before = responder.Drops.GetValueOrDefault("unknown cookies");
        Assert.Empty(s.Send(mm5));
        Assert.Equal(before + 1, responder.Drops.GetValueOrDefault("unknown cookies"));
    }

    public static TheoryData<string, int> InvalidKeyExchanges => new()
    {
        { "modp zero", 14 }, { "modp one", 14 }, { "modp p-1", 14 }, { "modp p", 14 }, { "modp short", 14 }, { "modp long", 14 },
        { "ecp origin", 19 }, { "ecp off the curve", 19 }, { "ecp short", 19 },
    };

    private static byte[] InvalidKe(string what)
    {
        byte[] p = Appliance.Protocols.Crypto.ModpGroup.Modp2048.Prime.ToArray();
        switch (what)
        {
            case "modp zero": return new byte[256];
            case "modp one": { var b = new byte[256]; b[^1] = 1; return b; }
            case "modp p-1": { p[^1] -= 1; return p; } // p is odd: no borrow
            case "modp p": return p;
            case "modp short": return new byte[255].Select(_ => (byte)0x55).ToArray();
            case "modp long": return new byte[257].Select(_ => (byte)0x55).ToArray();
            case "ecp origin": return new byte[64];
            case "ecp off the curve": { var b = new byte[64]; b[31] = 1; b[63] = 1; return b; }
            case "ecp short": return new byte[63];
            default: throw new ArgumentOutOfRangeException(nameof(what));
        }
    }

    [Theory]
    [MemberData(nameof(InvalidKeyExchanges))]
    public void Invalid_key_exchange_values_get_invalid_key_information_and_no_sa(string what, int group)
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(60 + group, Net.Psk, Net.Client)
        {
            Phase1Offers = [group == 14 ? P1Offer.Aes128Sha256Modp2048 : P1Offer.Aes256Sha256Ecp256],
            KeOverride = InvalidKe(what),
        };
        var s = new Session(responder, initiator);
        s.Step1();
        var actions = s.Send(initiator.MainMode3());
        Assert.Contains(actions.OfType<IkeLog>(), l => l.Message == "invalid key exchange value");
        var reply = Session.OnlyDatagram(actions);
        Assert.Equal(DecodeError.None, IkeMessage.TryDecode(reply.Data, out var header, out var payloads));
        Assert.Equal(ExchangeType.Informational, header.Exchange);
        Assert.False(header.IsEncrypted);
        Assert.Equal(17, Assert.IsType<NotificationPayload>(Assert.Single(payloads)).MessageType);
        Assert.Equal(0, responder.SaCount);
    }

    [Fact]
    public void Aggressive_mode_is_refused_logged_and_counted()
    {
        using var responder = new IkeResponder(Net.Options(SecurityLevel.Legacy));
        using var initiator = new TestInitiator(58, Net.Psk, Net.Client);
        var actions = responder.Receive(initiator.AggressiveMode1(), Net.Client, Net.Server, false, Net.T0);
        var log = Assert.IsType<IkeLog>(Assert.Single(actions));
        Assert.Contains("aggressive mode refused", log.Message);
        Assert.Equal(1, responder.Drops["aggressive mode"]);
        Assert.Equal(0, responder.SaCount);
        responder.Receive(initiator.AggressiveMode1(), Net.Client, Net.Server, false, Net.T0);
        Assert.Equal(2, responder.Drops["aggressive mode"]);
    }

    [Fact]
    public void A_main_mode_start_with_flags_or_message_id_is_dropped()
    {
        using var responder = new IkeResponder(Net.Options());
        using var initiator = new TestInitiator(59, Net.Psk, Net.Client);
        byte[] mm1 = initiator.MainMode1();
        byte[] withMid = (byte[])mm1.Clone();
        withMid[23] = 1;
        byte[] withCommit = (byte[])mm1.Clone();
        withCommit[19] = (byte)IsakmpFlags.Commit;
        Assert.Empty(responder.Receive(withMid, Net.Client, Net.Server, false, Net.T0));
        Assert.Empty(responder.Receive(withCommit, Net.Client, Net.Server, false, Net.T0));
        Assert.Equal(2, responder.Drops["not a main mode start"]);
        Assert.Equal(0, responder.SaCount);
    }
}
