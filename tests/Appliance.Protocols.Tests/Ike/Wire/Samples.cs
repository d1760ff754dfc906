using Appliance.Protocols.Ike.Wire;
using static Appliance.Protocols.Tests.Ike.Wire.WireHex;

namespace Appliance.Protocols.Tests.Ike.Wire;

/// <summary>Messages and payloads shared by the golden, round-trip and robustness tests.</summary>
internal static class Samples
{
    public const ulong InitiatorCookie = 0x0102030405060708;

    public static readonly IsakmpHeader MainModeHeader = new(InitiatorCookie, 0, PayloadType.None, IsakmpHeader.CurrentVersion, ExchangeType.IdentityProtection, IsakmpFlags.None, 0, 0);

    // --- Hand-built Main Mode message 1, from the RFC layouts -----------------------------------
    // A Windows-10-like offer reduced to two transforms: AES-256 and AES-128, both SHA1 / PSK /
    // MODP-2048, lifetime 28800 s as a 4-byte TLV (RFC 2409 App. A: Life Duration is variable),
    // then four vendor IDs (RFC 3947, draft-02\n, FRAGMENTATION, MS NT5 ISAKMPOAKLEY v9).
    public const string MainMode1Hex =
        // ISAKMP header (RFC 2408 §3.1): CKY-I, CKY-R, next=SA(1), ver 1.0, exch=2 (Main Mode), flags 0, msgid 0, length 212
        "0102030405060708 0000000000000000 01 10 02 00 00000000 000000d4" +
        // SA (RFC 2408 §3.4): next=VID(13), res, length 100; DOI 1 (IPsec), situation 1 (SIT_IDENTITY_ONLY)
        "0d 00 0064 00000001 00000001" +
        //   Proposal (§3.5): next=0 (last), res, length 88; #1, protocol ISAKMP(1), SPI size 0, 2 transforms
        "00 00 0058 01 01 00 02" +
        //     Transform (§3.6): next=3 (more), res, length 40; #1, KEY_IKE(1), reserved2
        "03 00 0028 01 01 0000" +
        //       enc=AES-CBC(7), keylen=256, hash=SHA1(2), auth=PSK(1), group=14, life type=seconds
        "8001 0007 800e 0100 8002 0002 8003 0001 8004 000e 800b 0001" +
        //       life duration: TLV, length 4, 28800 (0x7080)
        "000c 0004 00007080" +
        //     Transform: next=0 (last), length 40; #2, KEY_IKE; same but keylen=128
        "00 00 0028 02 01 0000" +
        "8001 0007 800e 0080 8002 0002 8003 0001 8004 000e 800b 0001 000c 0004 00007080" +
        // VID: next=VID, length 20, MD5("RFC 3947")
        "0d 00 0014 4a131c81070358455c5728f20e95452f" +
        // VID: MD5("draft-ietf-ipsec-nat-t-ike-02\n")
        "0d 00 0014 90cb80913ebb696e086381b5ec427b1f" +
        // VID: MD5("FRAGMENTATION")
        "0d 00 0014 4048b7d56ebce88525e7de7f00d6c2d3" +
        // VID: next=0 (last), length 24, MD5("MS NT5 ISAKMPOAKLEY") + version 9
        "00 00 0018 1e2b516905991c7d7c96fcbfb587e461 00000009";

    public static IReadOnlyList<Payload> MainMode1Payloads() =>
    [
        new SecurityAssociationPayload(Doi.Ipsec, Situation.IdentityOnly,
        [
            new Proposal(1, ProtocolId.Isakmp, [],
            [
                new Transform(1, IkeTransformIds.KeyIke, Phase1Attributes(256)),
                new Transform(2, IkeTransformIds.KeyIke, Phase1Attributes(128)),
            ]),
        ]),
        new VendorIdPayload(KnownVendorIds.NatTraversalRfc3947.ToArray()),
        new VendorIdPayload(KnownVendorIds.NatTraversalDraft02Newline.ToArray()),
        new VendorIdPayload(KnownVendorIds.Fragmentation.ToArray()),
        new VendorIdPayload([.. KnownVendorIds.MicrosoftNt5Prefix, 0, 0, 0, 9]),
    ];

    private static DataAttribute[] Phase1Attributes(ushort keyLength) =>
    [
        DataAttribute.Basic(AttributeType.EncryptionAlgorithm, EncryptionAlgorithm.AesCbc),
        DataAttribute.Basic(AttributeType.KeyLength, keyLength),
        DataAttribute.Basic(AttributeType.HashAlgorithm, HashAlgorithm.Sha1),
        DataAttribute.Basic(AttributeType.AuthenticationMethod, AuthMethod.PreSharedKey),
        DataAttribute.Basic(AttributeType.GroupDescription, GroupDescription.Modp2048),
        DataAttribute.Basic(AttributeType.LifeType, LifeType.Seconds),
        DataAttribute.Variable(AttributeType.LifeDuration, [0x00, 0x00, 0x70, 0x80]),
    ];

    // --- Captured from ike-scan 1.9.5 (a real IKEv1 initiator), loopback only -------------------
    // python3 UDP listener on 127.0.0.1:15502 printing the datagram as hex, then:
    //   ike-scan --sport=0 --dport=15502 --retry=1 --trans=7/256,2,1,14 --trans=5,2,1,2 \
    //     --vendor=4a131c81070358455c5728f20e95452f --vendor=afcad71368a1f1c96b8696fc77570100 127.0.0.1
    public const string IkeScanMainModeHex =
        "cff8ce0a93162126 0000000000000000 01 10 02 00 00000000 000000a4" +
        "0d 00 0060 00000001 00000001" +
        "00 00 0054 01 01 00 02" +
        "03 00 0028 01 01 0000 8001 0007 8002 0002 8003 0001 8004 000e 800e 0100 800b 0001 000c 0004 00007080" +
        "00 00 0024 02 01 0000 8001 0005 8002 0002 8003 0001 8004 0002 800b 0001 000c 0004 00007080" +
        "0d 00 0014 4a131c81070358455c5728f20e95452f" +
        "00 00 0014 afcad71368a1f1c96b8696fc77570100";

    // Same listener on port 15501, then:
    //   ike-scan --sport=0 --dport=15501 --retry=1 --aggressive --id=client@example.com --idtype=3 \
    //     --dhgroup=2 --trans=5,2,1,2 127.0.0.1
    public const string IkeScanAggressiveHex =
        "549ae01b526425ac 0000000000000000 01 10 04 00 00000000 0000010a" +
        "04 00 0038 00000001 00000001" +
        "00 00 002c 01 01 00 01" +
        "00 00 0024 01 01 0000 8001 0005 8002 0002 8003 0001 8004 0002 800b 0001 000c 0004 00007080" +
        "0a 00 0084" +
        "1f40ca8902e8e627c747038816d9286fa838d665693cf9553355868ea90cb9e5b6bdc46caebfe866" +
        "b5ec024cdd76b541588d2d8e22b46b10a56a15f6f65cc47483b1f9db8994b99175bbec447416610f" +
        "3f019cb4a10b1acdecb9113fdea75a08d30be51b7f4df9002e998dab8b4f2a7aa3caef553cb4cb64" +
        "b33c04d64576f9c4" +
        "05 00 0018 1de8b7ea5daf401af32064c07233fef6070b4200" +
        "00 00 001a 03 11 01f4 636c69656e74406578616d706c652e636f6d";

    // --- Built from the model: the other exchanges an L2TP responder sees -----------------------

    /// <summary>
    /// A decrypted Windows-style Quick Mode message 1 body: HASH(1), SA (ESP, AES-256/SHA1,
    /// UDP-transport), Nonce, IDci/IDcr 17/1701, and the two NAT-OA payloads Windows sends.
    /// </summary>
    public static IReadOnlyList<Payload> QuickMode1Payloads() =>
    [
        new HashPayload(Seq(20, 0xa0)),
        new SecurityAssociationPayload(Doi.Ipsec, Situation.IdentityOnly,
        [
            new Proposal(1, ProtocolId.Esp, [0xc0, 0xff, 0xee, 0x01],
            [
                new Transform(1, EspTransformIds.AesCbc,
                [
                    DataAttribute.Basic(AttributeType.EncapsulationMode, EncapsulationMode.UdpTransportRfc),
                    DataAttribute.Basic(AttributeType.SaLifeType, LifeType.Seconds),
                    DataAttribute.Variable(AttributeType.SaLifeDuration, [0x00, 0x00, 0x0e, 0x10]),
                    DataAttribute.Basic(AttributeType.SaLifeType, LifeType.Kilobytes),
                    DataAttribute.Variable(AttributeType.SaLifeDuration, [0x00, 0x03, 0xd0, 0x90]),
                    DataAttribute.Basic(AttributeType.AuthenticationAlgorithm, AuthAlgorithm.HmacSha1),
                    DataAttribute.Basic(AttributeType.IpsecKeyLength, 256),
                ]),
                new Transform(2, EspTransformIds.TripleDes,
                [
                    DataAttribute.Basic(AttributeType.EncapsulationMode, EncapsulationMode.UdpTransportDraft),
                    DataAttribute.Basic(AttributeType.AuthenticationAlgorithm, AuthAlgorithm.HmacSha1),
                ]),
            ]),
        ]),
        new NoncePayload(Seq(32, 0x10)),
        new IdentificationPayload(IdType.Ipv4Address, 17, 1701, [192, 168, 1, 10]),
        new IdentificationPayload(IdType.Ipv4Address, 17, 1701, [203, 0, 113, 5]),
        new NatOriginalAddressPayload(IdType.Ipv4Address, [192, 168, 1, 10], Draft: false),
        new NatOriginalAddressPayload(IdType.Ipv4Address, [203, 0, 113, 5], Draft: false),
    ];

    /// <summary>Main Mode 3 under draft NAT-T: KE, Nonce, two draft NAT-D payloads.</summary>
    public static IReadOnlyList<Payload> MainMode3DraftPayloads() =>
    [
        new KeyExchangePayload(Seq(256, 7)),
        new NoncePayload(Seq(16, 0x33)),
        new NatDiscoveryPayload(Seq(20, 0x40), Draft: true),
        new NatDiscoveryPayload(Seq(20, 0x60), Draft: true),
    ];

    /// <summary>Decrypted informational bodies: delete of the ISAKMP SA, DPD, initial contact.</summary>
    public static IReadOnlyList<Payload> InformationalPayloads() =>
    [
        new HashPayload(Seq(20, 0x01)),
        new DeletePayload(Doi.Ipsec, ProtocolId.Isakmp, 16, [Seq(16, 0x80)]),
        new DeletePayload(Doi.Ipsec, ProtocolId.Esp, 4, [[1, 2, 3, 4], [5, 6, 7, 8]]),
        new NotificationPayload(Doi.Ipsec, ProtocolId.Isakmp, NotifyType.RUThere, Seq(16, 0x80), [0, 0, 0x12, 0x34]),
        new NotificationPayload(Doi.Ipsec, ProtocolId.Isakmp, NotifyType.InitialContact, Seq(16, 0x80), []),
    ];

    /// <summary>A decrypted XAUTH reply (mode-config transaction).</summary>
    public static IReadOnlyList<Payload> XauthReplyPayloads() =>
    [
        new HashPayload(Seq(20, 0x02)),
        new AttributePayload(ModeConfig.Reply, 0x1234,
        [
            DataAttribute.Basic(ModeConfig.XauthType, 0),
            DataAttribute.Variable(ModeConfig.XauthUserName, Ascii("alice")),
            DataAttribute.Variable(ModeConfig.XauthUserPassword, Ascii("correct horse")),
            DataAttribute.Variable(ModeConfig.InternalIp4Address, []),
        ]),
    ];

    /// <summary>Certificate-authenticated Main Mode 5 body (decrypted): ID, CERT, CR, SIG.</summary>
    public static IReadOnlyList<Payload> MainMode5CertificatePayloads() =>
    [
        new IdentificationPayload(IdType.DerAsn1Dn, 17, 500, Seq(40, 0x30)),
        new CertificatePayload(CertificateEncoding.X509Signature, Seq(300, 0x55)),
        new CertificateRequestPayload(CertificateEncoding.X509Signature, []),
        new SignaturePayload(Seq(256, 0x99)),
        new UnknownPayload(200, [1, 2, 3]),
    ];

    /// <summary>One fragment of an IKEv1 message (type 132).</summary>
    public static IReadOnlyList<Payload> FragmentPayloads() =>
    [
        new FragmentPayload(1, 2, FragmentPayload.LastFragmentFlag, Seq(100, 0x20)),
    ];

    public static byte[] Message(ExchangeType exchange, IReadOnlyList<Payload> payloads, uint messageId = 0) =>
        IkeMessage.Encode(MainModeHeader with { Exchange = exchange, MessageId = messageId }, payloads);

    /// <summary>Every golden or model-built whole message, by name, for the robustness tests.</summary>
    public static IReadOnlyDictionary<string, byte[]> AllMessages() => new Dictionary<string, byte[]>
    {
        ["MainMode1"] = Parse(MainMode1Hex),
        ["IkeScanMainMode"] = Parse(IkeScanMainModeHex),
        ["IkeScanAggressive"] = Parse(IkeScanAggressiveHex),
        ["QuickMode1"] = Message(ExchangeType.QuickMode, QuickMode1Payloads(), 0x11223344),
        ["MainMode3Draft"] = Message(ExchangeType.IdentityProtection, MainMode3DraftPayloads()),
        ["Informational"] = Message(ExchangeType.Informational, InformationalPayloads(), 0x55667788),
        ["XauthReply"] = Message(ExchangeType.Transaction, XauthReplyPayloads(), 0x99aabbcc),
        ["MainMode5Certificate"] = Message(ExchangeType.IdentityProtection, MainMode5CertificatePayloads()),
        ["Fragment"] = Message(ExchangeType.IdentityProtection, FragmentPayloads()),
    };

    public static IEnumerable<object[]> MessageNames() => AllMessages().Keys.Select(name => new object[] { name });
}
