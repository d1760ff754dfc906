using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>A reproducible <see cref="IRandomSource"/>: the same seed gives the same bytes.</summary>
internal sealed class SeededRandom(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public void Fill(Span<byte> destination) => _random.NextBytes(destination);

    public byte[] Bytes(int count)
    {
        var b = new byte[count];
        Fill(b);
        return b;
    }

    public uint NonZeroUInt32(uint minimum = 1)
    {
        uint v;
        do { v = (uint)_random.NextInt64(0, 1L << 32); } while (v < minimum);
        return v;
    }
}

/// <summary>Which NAT-T vendor ID the initiator sends in Main Mode 1.</summary>
public enum NatTVariant { None, Rfc3947, Draft02, Draft02Newline, Draft03 }

/// <summary>One phase-1 transform as offered (RFC 2409 Appendix A numbers).</summary>
/// <param name="Cipher">1 DES, 5 3DES, 7 AES-CBC.</param>
/// <param name="KeyBits">AES key length attribute (0: not sent).</param>
/// <param name="Hash">1 MD5, 2 SHA1, 4 SHA2-256, 5 SHA2-384, 6 SHA2-512.</param>
/// <param name="Group">Diffie-Hellman group.</param>
/// <param name="Auth">1 pre-shared key, 3 RSA signatures...</param>
internal sealed record P1Offer(ushort Cipher, ushort KeyBits, ushort Hash, ushort Group, ushort Auth = 1)
{
    public static readonly P1Offer Aes128Sha256Modp2048 = new(7, 128, 4, 14);
    public static readonly P1Offer Aes256Sha256Ecp256 = new(7, 256, 4, 19);
    public static readonly P1Offer Aes256Sha1Modp2048 = new(7, 256, 2, 14);
    public static readonly P1Offer TripleDesSha256Modp2048 = new(5, 0, 4, 14);
    public static readonly P1Offer Aes128Sha256Modp1024 = new(7, 128, 4, 2);
    public static readonly P1Offer Aes128Md5Modp2048 = new(7, 128, 1, 14);
    public static readonly P1Offer TripleDesSha1Modp1024 = new(5, 0, 2, 2);

    public Transform ToTransform(byte number)
    {
        var a = new List<DataAttribute> { DataAttribute.Basic(1, Cipher) };
        if (KeyBits != 0) a.Add(DataAttribute.Basic(14, KeyBits));
        a.Add(DataAttribute.Basic(2, Hash));
        a.Add(DataAttribute.Basic(3, Auth));
        a.Add(DataAttribute.Basic(4, Group));
        a.Add(DataAttribute.Basic(11, 1));
        a.Add(DataAttribute.Variable(12, [0x00, 0x00, 0x70, 0x80])); // 28800 s, 4-byte TLV as Windows sends it
        return new Transform(number, 1 /* KEY_IKE */, a);
    }
}

/// <summary>One ESP transform as offered (RFC 2407 §4.4.4 / §4.5 numbers).</summary>
/// <param name="TransformId">3 3DES, 12 AES-CBC, 20 AES-GCM-16.</param>
/// <param name="KeyBits">Key Length attribute (0: not sent).</param>
/// <param name="Auth">Authentication Algorithm attribute: 0 not sent, 1 HMAC-MD5, 2 HMAC-SHA1, 5 HMAC-SHA2-256.</param>
/// <param name="Mode">Encapsulation Mode: 2 transport, 4 UDP-transport (RFC 3947), 61444 (drafts).</param>
/// <param name="LifeSeconds">SA Life Duration in seconds, or not sent.</param>
/// <param name="Group">Group Description (PFS), or not sent.</param>
internal sealed record EspOffer(byte TransformId, ushort KeyBits, ushort Auth, ushort Mode = 2, uint? LifeSeconds = 3600, ushort? Group = null)
{
    public static EspOffer AesCbc128Sha1(ushort mode = 2) => new(12, 128, 2, mode);
    public static EspOffer AesCbc256Sha256(ushort mode = 2) => new(12, 256, 5, mode);
    public static EspOffer AesGcm128(ushort mode = 2) => new(20, 128, 0, mode);
    public static EspOffer AesGcm256(ushort mode = 2) => new(20, 256, 0, mode);
    public static EspOffer TripleDesSha1(ushort mode = 2) => new(3, 0, 2, mode);
    public static EspOffer TripleDesMd5(ushort mode = 2) => new(3, 0, 1, mode);

    /// <summary>KEYMAT bytes per direction, from RFC 2451/3602/4106 and RFC 2403/2404/4868 (computed here, not by the firmware).</summary>
    public (int Encryption, int Integrity) KeyLengths()
    {
        int enc = TransformId switch
        {
            3 => 24,
            12 => KeyBits / 8,
            20 => KeyBits / 8 + 4, // RFC 4106 §8.1: 4-byte salt after the key
            _ => throw new InvalidOperationException("unknown ESP transform"),
        };
        int integ = Auth switch { 0 => 0, 1 => 16, 2 => 20, 5 => 32, _ => throw new InvalidOperationException("unknown auth") };
        return (enc, integ);
    }

    public Transform ToTransform(byte number)
    {
        var a = new List<DataAttribute>();
        if (LifeSeconds is { } s)
        {
            a.Add(DataAttribute.Basic(1, 1));
            var v = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v, s);
            a.Add(DataAttribute.Variable(2, v));
        }
        if (Group is { } g) a.Add(DataAttribute.Basic(3, g));
        a.Add(DataAttribute.Basic(4, Mode));
        if (Auth != 0) a.Add(DataAttribute.Basic(5, Auth));
        if (KeyBits != 0) a.Add(DataAttribute.Basic(6, KeyBits));
        return new Transform(number, TransformId, a);
    }
}

/// <summary>What the initiator does in one Quick Mode.</summary>
internal sealed record QmOptions
{
    public IReadOnlyList<EspOffer> Offers { get; init; } = [EspOffer.AesGcm128()];
    /// <summary>PFS: a KE payload of this group in QM1 (the offers should carry the same group).</summary>
    public ushort? PfsGroup { get; init; }
    /// <summary>IDci and IDcr, or none (then the IDs are the phase-1 addresses, RFC 2409 §5.5).</summary>
    public (IdentificationPayload Ci, IdentificationPayload Cr)? Ids { get; init; }
    public IReadOnlyList<Payload> Extra { get; init; } = [];
    /// <summary>Flips a bit of HASH(1): a forged or corrupted QM1.</summary>
    public bool CorruptHash1 { get; init; }
}

/// <summary>The state of one Quick Mode on the initiator side.</summary>
internal sealed class InitiatorQuickMode
{
    public required uint MessageId { get; init; }
    public required QmOptions Options { get; init; }
    public required uint InboundSpi { get; init; }
    public required byte[] NonceI { get; init; }
    public IDiffieHellman? Dh { get; init; }
    public byte[] Iv = [];
    public byte[] Message = [];
    /// <summary>The payloads after HASH(1) as encoded, and the type of the first of them.</summary>
    public byte[] Rest = [];
    public PayloadType RestFirst;

    // From QM2.
    public uint OutboundSpi;
    public EspOffer? Chosen;
    public byte[] NonceR = [];
    public byte[]? PfsSecret;
    public List<Payload> Reply = [];

    // KEYMAT, computed by the initiator on QM3.
    public byte[] InEncryption = [], InIntegrity = [], OutEncryption = [], OutIntegrity = [];
}

/// <summary>
/// An IKEv1 Main Mode (pre-shared key or RSA signatures) + Quick Mode initiator written from
/// RFC 2408/2409/3947 for these tests: it builds messages with the Wire codec and the Crypto DH
/// groups but computes every key, hash and CBC step itself with System.Security.Cryptography, and
/// signs and verifies with BouncyCastle's PKCS#1 engine, so that the responder's results are
/// checked against an independent implementation of the formulas.
/// </summary>
internal sealed class TestInitiator : IDisposable
{
    public TestInitiator(int seed, byte[] psk, IPEndPoint self)
    {
        Random = new SeededRandom(seed);
        Psk = psk;
        Self = self;
        InitiatorCookie = BinaryPrimitives.ReadUInt64BigEndian(Random.Bytes(8)) | 1;
        Identity = new IdentificationPayload(IdType.Ipv4Address, 17, 500, self.Address.GetAddressBytes());
    }

    public SeededRandom Random { get; }
    public byte[] Psk { get; }
    /// <summary>The initiator's own address (NAT-D and default identity).</summary>
    public IPEndPoint Self { get; }

    // Options for Main Mode.
    public IReadOnlyList<P1Offer> Phase1Offers { get; init; } = [P1Offer.Aes128Sha256Modp2048];
    public NatTVariant NatT { get; init; } = NatTVariant.None;
    /// <summary>Also send this second NAT-T vendor ID (the responder should pick the best).</summary>
    public NatTVariant AlsoNatT { get; init; } = NatTVariant.None;
    public bool SendDpdVendorId { get; init; } = true;
    /// <summary>A FRAGMENTATION vendor ID to send in MM1 (16 bytes, or 20 with capability flags).</summary>
    public byte[]? FragmentationVendorId { get; init; }
    /// <summary>Where the initiator says it is in its NAT-D (default: <see cref="Self"/>). A different
    /// value than the datagram's source simulates "initiator behind NAT".</summary>
    public IPEndPoint? NatDSelf { get; init; }
    /// <summary>Where the initiator believes the responder is (its first NAT-D).</summary>
    public IPEndPoint? NatDResponder { get; init; }
    public IdentificationPayload Identity { get; init; }
    public bool InitialContact { get; init; }
    /// <summary>Sends this as the KE value of MM3 instead of our public value (invalid-KE tests).</summary>
    public byte[]? KeOverride { get; init; }
    /// <summary>Sends no NAT-D in MM3 even with a NAT-T vendor ID.</summary>
    public bool OmitNatD { get; init; }

    // RSA-signature authentication (RFC 2409 §5.1): used when the chosen transform says auth 3.
    /// <summary>Our certificate (DER), first CERT payload of MM5; null sends no CERT.</summary>
    public byte[]? Certificate { get; init; }
    /// <summary>Further CERT payloads after ours (intermediate CAs).</summary>
    public IReadOnlyList<byte[]> ChainCertificates { get; init; } = [];
    /// <summary>The key SIG_I is made with (normally the certificate's).</summary>
    public RSA? SigningKey { get; init; }
    /// <summary>Flips a bit of SIG_I.</summary>
    public bool CorruptSignature { get; init; }
    /// <summary>The CA the responder's certificate must chain to; null skips that check.</summary>
    public byte[]? TrustedServerCa { get; init; }
    public bool SignatureAuth => ChosenTransform is { } t && t.TryGetAttribute(3, out var a) && a.AsInteger == 3;
    /// <summary>The responder's certificate from MM6.</summary>
    public byte[]? ServerCertificate { get; private set; }

    public ulong InitiatorCookie { get; }
    public ulong ResponderCookie { get; private set; }
    public byte[] CookieBytes => [.. Be64(InitiatorCookie), .. Be64(ResponderCookie)];

    // Negotiated.
    public Transform? ChosenTransform { get; private set; }
    public ushort HashId { get; private set; }
    public ushort CipherId { get; private set; }
    public int CipherKeyBytes { get; private set; }
    public int BlockSize => CipherId == 5 ? 8 : 16;
    public ushort Group { get; private set; }
    public List<Payload> Mm2Payloads { get; private set; } = [];
    public List<Payload> Mm4Payloads { get; private set; } = [];
    public List<Payload> Mm6Payloads { get; private set; } = [];

    private byte[] _saiBody = [];
    private IDiffieHellman? _dh;
    private byte[] _gxi = [], _gxr = [], _ni = [], _nr = [], _gxy = [];
    public Phase1KeySet? Keys { get; private set; }
    private byte[] _iv = [];
    /// <summary>Last CBC block of MM5 (what a responder that never sent MM6 chains from).</summary>
    public byte[] LastMm5Block { get; private set; } = [];
    /// <summary>Last CBC block of phase 1 (MM6), the base of every later IV.</summary>
    public byte[] LastPhase1Block { get; private set; } = [];

    public void Dispose() => _dh?.Dispose();

    // ---------------------------------------------------------------- Main Mode

    public byte[] MainMode1()
    {
        byte n = 1;
        var sa = new SecurityAssociationPayload(1, 1, [new Proposal(1, ProtocolId.Isakmp, [], Phase1Offers.Select(o => o.ToTransform(n++)).ToList())]);
        _saiBody = PayloadCodec.EncodeBody(sa);
        var payloads = new List<Payload> { sa };
        if (NatT != NatTVariant.None) payloads.Add(new VendorIdPayload(NatTVendorId(NatT)));
        if (AlsoNatT != NatTVariant.None) payloads.Add(new VendorIdPayload(NatTVendorId(AlsoNatT)));
        if (SendDpdVendorId) payloads.Add(new VendorIdPayload(KnownVendorIds.DeadPeerDetection.ToArray()));
        if (FragmentationVendorId is not null) payloads.Add(new VendorIdPayload(FragmentationVendorId));
        return IkeMessage.Encode(Header(ExchangeType.IdentityProtection, 0, IsakmpFlags.None) with { ResponderCookie = 0 }, payloads);
    }

    /// <summary>An Aggressive Mode message 1 (HDR, SA, KE, Ni, IDii), for the refusal test.</summary>
    public byte[] AggressiveMode1()
    {
        var sa = new SecurityAssociationPayload(1, 1, [new Proposal(1, ProtocolId.Isakmp, [], [P1Offer.Aes128Sha256Modp2048.ToTransform(1)])]);
        using var dh = DiffieHellmanGroups.Create(14, Random);
        return IkeMessage.Encode(Header(ExchangeType.Aggressive, 0, IsakmpFlags.None) with { ResponderCookie = 0 },
            [sa, new KeyExchangePayload(dh.PublicValue.ToArray()), new NoncePayload(Random.Bytes(32)), Identity]);
    }

    public static byte[] NatTVendorId(NatTVariant v) => v switch
    {
        NatTVariant.Rfc3947 => MD5.HashData("RFC 3947"u8),
        NatTVariant.Draft02 => MD5.HashData("draft-ietf-ipsec-nat-t-ike-02"u8),
        NatTVariant.Draft02Newline => MD5.HashData("draft-ietf-ipsec-nat-t-ike-02\n"u8),
        NatTVariant.Draft03 => MD5.HashData("draft-ietf-ipsec-nat-t-ike-03"u8),
        _ => throw new ArgumentOutOfRangeException(nameof(v)),
    };

    public bool DraftNatT => NatT is NatTVariant.Draft02 or NatTVariant.Draft02Newline or NatTVariant.Draft03;

    /// <summary>Reads MM2: the responder cookie and the one transform it chose.</summary>
    public void ReadMainMode2(byte[] datagram)
    {
        Assert.Equal(DecodeError.None, IkeMessage.TryDecode(datagram, out var header, out var payloads));
        Assert.Equal(ExchangeType.IdentityProtection, header.Exchange);
        Assert.Equal(InitiatorCookie, header.InitiatorCookie);
        Assert.NotEqual(0UL, header.ResponderCookie);
        Assert.Equal(0u, header.MessageId);
        ResponderCookie = header.ResponderCookie;
        Mm2Payloads = payloads;
        var sa = Assert.Single(payloads.OfType<SecurityAssociationPayload>());
        var proposal = Assert.Single(sa.Proposals);
        Assert.Equal(ProtocolId.Isakmp, proposal.Protocol);
        var t = Assert.Single(proposal.Transforms);
        ChosenTransform = t;
        ushort Attr(ushort type) => t.TryGetAttribute(type, out var a) ? (ushort)a.AsInteger : (ushort)0;
        CipherId = Attr(1);
        HashId = Attr(2);
        Group = Attr(4);
        ushort keyBits = Attr(14);
        CipherKeyBytes = CipherId == 5 ? 24 : (keyBits == 0 ? 16 : keyBits / 8);
    }

    public byte[] MainMode3()
    {
        _dh = DiffieHellmanGroups.Create(Group, Random);
        _gxi = KeOverride ?? _dh.PublicValue.ToArray();
        _ni = Random.Bytes(32);
        var payloads = new List<Payload> { new KeyExchangePayload(_gxi), new NoncePayload(_ni) };
        if (NatT != NatTVariant.None && !OmitNatD)
        {
            var r = NatDResponder ?? throw new InvalidOperationException("set NatDResponder");
            var s = NatDSelf ?? Self;
            payloads.Add(new NatDiscoveryPayload(NatDHash(r), DraftNatT));
            payloads.Add(new NatDiscoveryPayload(NatDHash(s), DraftNatT));
        }
        return IkeMessage.Encode(Header(ExchangeType.IdentityProtection, 0, IsakmpFlags.None), payloads);
    }

    /// <summary>RFC 3947 §3.2: HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash.</summary>
    public byte[] NatDHash(IPEndPoint ep)
    {
        var port = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(port, (ushort)ep.Port);
        return Rfc2409.Hash(HashId, Be64(InitiatorCookie), Be64(ResponderCookie), ep.Address.GetAddressBytes(), port);
    }

    /// <summary>Reads MM4 and derives SKEYID and its family from the PSK.</summary>
    public void ReadMainMode4(byte[] datagram)
    {
        Assert.Equal(DecodeError.None, IkeMessage.TryDecode(datagram, out var header, out var payloads));
        Assert.Equal(ExchangeType.IdentityProtection, header.Exchange);
        Assert.Equal((InitiatorCookie, ResponderCookie), (header.InitiatorCookie, header.ResponderCookie));
        Mm4Payloads = payloads;
        _gxr = Assert.Single(payloads.OfType<KeyExchangePayload>()).Data;
        _nr = Assert.Single(payloads.OfType<NoncePayload>()).Data;
        _gxy = _dh!.DeriveSharedSecret(_gxr);
        Keys = SignatureAuth ? KeysFromSkeyId(Rfc2409.Prf(HashId, [.. _ni, .. _nr], _gxy)) : KeysFor(Psk);
        _iv = Rfc2409.Hash(HashId, _gxi, _gxr)[..BlockSize];
    }

    /// <summary>RFC 2409 §5 and Appendix B, for any PSK (to read what a responder with another key sent).</summary>
    public Phase1KeySet KeysFor(byte[] psk) => KeysFromSkeyId(Rfc2409.Prf(HashId, psk, _ni, _nr));

    /// <summary>SKEYID_d/a/e and the cipher key from SKEYID, which depends on the auth method.</summary>
    private Phase1KeySet KeysFromSkeyId(byte[] skeyid)
    {
        byte[] ci = Be64(InitiatorCookie), cr = Be64(ResponderCookie);
        byte[] d = Rfc2409.Prf(HashId, skeyid, _gxy, ci, cr, [0]);
        byte[] a = Rfc2409.Prf(HashId, skeyid, d, _gxy, ci, cr, [1]);
        byte[] e = Rfc2409.Prf(HashId, skeyid, a, _gxy, ci, cr, [2]);
        byte[] key;
        if (e.Length >= CipherKeyBytes) key = e[..CipherKeyBytes];
        else
        {
            // Appendix B: K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1), Ka = K1 | K2 | ...
            var stream = new List<byte>();
            byte[] k = Rfc2409.Prf(HashId, e, [0]);
            while (true)
            {
                stream.AddRange(k);
                if (stream.Count >= CipherKeyBytes) break;
                k = Rfc2409.Prf(HashId, e, k);
            }
            key = stream.Take(CipherKeyBytes).ToArray();
        }
        return new Phase1KeySet(skeyid, d, a, e, key);
    }

    public byte[] MainMode5()
    {
        var keys = Keys!;
        byte[] idBody = PayloadCodec.EncodeBody(Identity);
        byte[] hashI = Rfc2409.Prf(HashId, keys.SkeyId, _gxi, _gxr, Be64(InitiatorCookie), Be64(ResponderCookie), _saiBody, idBody);
        var payloads = new List<Payload> { Identity };
        if (SignatureAuth)
        {
            if (Certificate is not null) payloads.Add(new CertificatePayload(4, Certificate));
            payloads.AddRange(ChainCertificates.Select(c => new CertificatePayload(4, c)));
            byte[] sig = TestSignatures.Sign(SigningKey ?? throw new InvalidOperationException("set SigningKey"), hashI);
            if (CorruptSignature) sig[^1] ^= 0x01;
            payloads.Add(new SignaturePayload(sig));
        }
        else payloads.Add(new HashPayload(hashI));
        if (InitialContact) payloads.Add(new NotificationPayload(1, ProtocolId.Isakmp, 24578, CookieBytes, []));
        byte[] message = EncryptMessage(Header(ExchangeType.IdentityProtection, 0, IsakmpFlags.Encryption), payloads, keys, ref _iv);
        LastMm5Block = _iv;
        return message;
    }

    /// <summary>Decrypts MM6 and checks HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b).</summary>
    public void ReadMainMode6(byte[] datagram)
    {
        var keys = Keys!;
        var (header, plain, payloads, extents) = Decrypt(datagram, keys, ref _iv);
        Assert.Equal(ExchangeType.IdentityProtection, header.Exchange);
        Assert.Equal(0u, header.MessageId);
        var id = Assert.Single(payloads.OfType<IdentificationPayload>());
        byte[] idBody = plain[extents[payloads.IndexOf(id)]][4..];
        byte[] expected = Rfc2409.Prf(HashId, keys.SkeyId, _gxr, _gxi, Be64(ResponderCookie), Be64(InitiatorCookie), _saiBody, idBody);
        if (SignatureAuth)
        {
            // RFC 2409 §5.1: SIG_R over HASH_R with the key of the certificate sent; the ID is
            // the certificate's subject DN.
            Assert.Empty(payloads.OfType<HashPayload>());
            var cert = Assert.Single(payloads.OfType<CertificatePayload>());
            Assert.Equal(4, cert.Encoding);
            var parsed = new Org.BouncyCastle.X509.X509Certificate(cert.Data);
            Assert.Equal(9, id.IdType);
            Assert.Equal(parsed.SubjectDN.GetEncoded(), id.Data);
            if (TrustedServerCa is not null) parsed.Verify(new Org.BouncyCastle.X509.X509Certificate(TrustedServerCa).GetPublicKey());
            var sig = Assert.Single(payloads.OfType<SignaturePayload>());
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(TestSignatures.Recover(parsed, sig.Data)));
            ServerCertificate = cert.Data;
        }
        else
        {
            var hash = Assert.Single(payloads.OfType<HashPayload>());
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(hash.Data));
        }
        Mm6Payloads = payloads;
        LastPhase1Block = _iv;
    }

    // ---------------------------------------------------------------- Quick Mode

    public InitiatorQuickMode QuickMode1(QmOptions options)
    {
        var keys = Keys!;
        uint mid = Random.NonZeroUInt32();
        uint spi = Random.NonZeroUInt32(256);
        var qm = new InitiatorQuickMode
        {
            MessageId = mid,
            Options = options,
            InboundSpi = spi,
            NonceI = Random.Bytes(32),
            Dh = options.PfsGroup is { } g ? DiffieHellmanGroups.Create(g, Random) : null,
        };
        byte n = 1;
        var sa = new SecurityAssociationPayload(1, 1, [new Proposal(1, ProtocolId.Esp, Be32(spi), options.Offers.Select(o => o.ToTransform(n++)).ToList())]);
        var rest = new List<Payload> { sa, new NoncePayload(qm.NonceI) };
        if (qm.Dh is not null) rest.Add(new KeyExchangePayload(qm.Dh.PublicValue.ToArray()));
        if (options.Ids is { } ids) { rest.Add(ids.Ci); rest.Add(ids.Cr); }
        rest.AddRange(options.Extra);
        // HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [| KE] [| IDci | IDcr] ...), RFC 2409 §5.5.
        qm.Rest = PayloadCodec.EncodeChain(rest, out qm.RestFirst);
        byte[] hash1 = Rfc2409.Prf(HashId, keys.SkeyIdA, Be32(mid), qm.Rest);
        if (options.CorruptHash1) hash1[^1] ^= 0x80;
        qm.Iv = Rfc2409.Hash(HashId, LastPhase1Block, Be32(mid))[..BlockSize];
        qm.Message = EncryptMessage(Header(ExchangeType.QuickMode, mid, IsakmpFlags.Encryption), [new HashPayload(hash1), .. rest], keys, ref qm.Iv);
        return qm;
    }

    /// <summary>Decrypts QM2, checks HASH(2) and reads the responder's choice, SPI, nonce and KE.</summary>
    public void ReadQuickMode2(InitiatorQuickMode qm, byte[] datagram)
    {
        var keys = Keys!;
        var (header, plain, payloads, extents) = Decrypt(datagram, keys, ref qm.Iv);
        Assert.Equal(ExchangeType.QuickMode, header.Exchange);
        Assert.Equal(qm.MessageId, header.MessageId);
        var hash = Assert.IsType<HashPayload>(payloads[0]);
        byte[] rest = plain[extents[0].End..extents[^1].End];
        byte[] expected = Rfc2409.Prf(HashId, keys.SkeyIdA, Be32(qm.MessageId), qm.NonceI, rest);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(hash.Data));
        qm.Reply = payloads;
        var sa = Assert.Single(payloads.OfType<SecurityAssociationPayload>());
        var proposal = Assert.Single(sa.Proposals);
        Assert.Equal(ProtocolId.Esp, proposal.Protocol);
        Assert.Equal(4, proposal.Spi.Length);
        qm.OutboundSpi = BinaryPrimitives.ReadUInt32BigEndian(proposal.Spi);
        var t = Assert.Single(proposal.Transforms);
        // The chosen transform must be one we offered, echoed exactly.
        qm.Chosen = qm.Options.Offers.Single(o => o.ToTransform(t.Number) is var mine
            && mine.TransformId == t.TransformId && mine.Attributes.SequenceEqual(t.Attributes, AttributeComparer.Instance));
        qm.NonceR = Assert.Single(payloads.OfType<NoncePayload>()).Data;
        var ke = payloads.OfType<KeyExchangePayload>().SingleOrDefault();
        if (qm.Dh is not null)
        {
            Assert.NotNull(ke);
            qm.PfsSecret = qm.Dh.DeriveSharedSecret(ke.Data);
        }
        else Assert.Null(ke);
    }

    /// <summary>HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b); also computes both directions' KEYMAT.</summary>
    public byte[] QuickMode3(InitiatorQuickMode qm)
    {
        var keys = Keys!;
        byte[] hash3 = Rfc2409.Prf(HashId, keys.SkeyIdA, [0], Be32(qm.MessageId), qm.NonceI, qm.NonceR);
        var (enc, integ) = qm.Chosen!.KeyLengths();
        // RFC 2409 §5.5: KEYMAT = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b) ...;
        // the SPI is the one the receiving side chose.
        byte[] inbound = KeyMat(keys.SkeyIdD, qm.PfsSecret, qm.InboundSpi, qm.NonceI, qm.NonceR, enc + integ);
        byte[] outbound = KeyMat(keys.SkeyIdD, qm.PfsSecret, qm.OutboundSpi, qm.NonceI, qm.NonceR, enc + integ);
        qm.InEncryption = inbound[..enc];
        qm.InIntegrity = inbound[enc..];
        qm.OutEncryption = outbound[..enc];
        qm.OutIntegrity = outbound[enc..];
        return EncryptMessage(Header(ExchangeType.QuickMode, qm.MessageId, IsakmpFlags.Encryption), [new HashPayload(hash3)], keys, ref qm.Iv);
    }

    private byte[] KeyMat(byte[] skeyIdD, byte[]? pfs, uint spi, byte[] ni, byte[] nr, int length)
    {
        var result = new List<byte>();
        byte[] previous = [];
        while (result.Count < length)
        {
            previous = Rfc2409.Prf(HashId, skeyIdD, previous, pfs ?? [], [3], Be32(spi), ni, nr);
            result.AddRange(previous);
        }
        return result.Take(length).ToArray();
    }

    // ---------------------------------------------------------------- Informational

    /// <summary>An informational exchange of ours: HDR*, HASH(1), N/D (RFC 2409 §5.7).</summary>
    public byte[] Informational(params Payload[] payloads) => Informational(false, payloads);

    /// <summary>As <see cref="Informational(Payload[])"/>; <paramref name="corruptHash"/> flips a bit of HASH(1) (a forgery).</summary>
    public byte[] Informational(bool corruptHash, params Payload[] payloads)
    {
        var keys = Keys!;
        uint mid = Random.NonZeroUInt32();
        byte[] hash = Rfc2409.Prf(HashId, keys.SkeyIdA, Be32(mid), PayloadCodec.EncodeChain(payloads, out _));
        if (corruptHash) hash[0] ^= 0x01;
        byte[] iv = Rfc2409.Hash(HashId, LastPhase1Block, Be32(mid))[..BlockSize];
        return EncryptMessage(Header(ExchangeType.Informational, mid, IsakmpFlags.Encryption), [new HashPayload(hash), .. payloads], keys, ref iv);
    }

    /// <summary>
    /// A Quick Mode 1 or informational message around arbitrary bytes after the HASH payload,
    /// with a correct HASH(1) over them and correct encryption: what a peer holding the keys can
    /// send, however malformed the rest is.
    /// </summary>
    public byte[] ProtectedFromRest(ExchangeType exchange, uint mid, PayloadType restFirst, byte[] rest)
    {
        var keys = Keys!;
        byte[] hash = Rfc2409.Prf(HashId, keys.SkeyIdA, Be32(mid), rest);
        var body = new byte[4 + hash.Length + rest.Length];
        body[0] = (byte)restFirst;
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(2), (ushort)(4 + hash.Length));
        hash.CopyTo(body, 4);
        rest.CopyTo(body, 4 + hash.Length);
        int padded = Math.Max(BlockSize, (body.Length + BlockSize - 1) / BlockSize * BlockSize);
        Array.Resize(ref body, padded);
        byte[] iv = Rfc2409.Hash(HashId, LastPhase1Block, Be32(mid))[..BlockSize];
        byte[] encrypted = Cbc(keys.EncryptionKey, iv, body, encrypt: true);
        return IkeMessage.EncodeEncrypted(Header(exchange, mid, IsakmpFlags.Encryption), PayloadType.Hash, encrypted);
    }

    public byte[] DeleteIsakmp() => Informational(new DeletePayload(1, ProtocolId.Isakmp, 16, [CookieBytes]));

    public byte[] DeleteEsp(params uint[] spis) => Informational(new DeletePayload(1, ProtocolId.Esp, 4, spis.Select(Be32).ToList()));

    public byte[] DpdRuThere(uint sequence) => Informational(new NotificationPayload(1, ProtocolId.Isakmp, 36136, CookieBytes, Be32(sequence)));

    /// <summary>Decrypts one informational from the responder and checks its HASH(1); returns the payloads after it.</summary>
    public List<Payload> ReadInformational(byte[] datagram, Phase1KeySet? keys = null, byte[]? ivBase = null)
    {
        keys ??= Keys!;
        Assert.Equal(DecodeError.None, IsakmpHeader.TryDecode(datagram, out var h));
        Assert.Equal(ExchangeType.Informational, h.Exchange);
        Assert.True(h.IsEncrypted, "informational after MM4 must be encrypted");
        Assert.NotEqual(0u, h.MessageId);
        byte[] iv = Rfc2409.Hash(HashId, ivBase ?? LastPhase1Block, Be32(h.MessageId))[..BlockSize];
        var (_, plain, payloads, extents) = Decrypt(datagram, keys, ref iv);
        var hash = Assert.IsType<HashPayload>(payloads[0]);
        byte[] expected = Rfc2409.Prf(HashId, keys.SkeyIdA, Be32(h.MessageId), plain[extents[0].End..extents[^1].End]);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(hash.Data));
        return payloads.Skip(1).ToList();
    }

    /// <summary>
    /// Whether <paramref name="datagram"/> is an informational this initiator's keys protect with
    /// a correct HASH(1) (however its exchange type or padding were edited on the way).
    /// </summary>
    public bool IsAuthenticInformational(byte[] datagram)
    {
        if (Keys is null || IsakmpHeader.TryDecode(datagram, out var h) != DecodeError.None || !h.IsEncrypted) return false;
        if (h.InitiatorCookie != InitiatorCookie || h.ResponderCookie != ResponderCookie) return false;
        byte[] body = datagram[IsakmpHeader.Size..(int)h.Length];
        if (body.Length == 0 || body.Length % BlockSize != 0) return false;
        byte[] iv = Rfc2409.Hash(HashId, LastPhase1Block, Be32(h.MessageId))[..BlockSize];
        byte[] plain = Cbc(Keys.EncryptionKey, iv, body, encrypt: false);
        if (PayloadCodec.TryDecodeChain(h.NextPayload, plain, true, out var payloads, out var extents) != DecodeError.None
            || payloads.Count < 2 || payloads[0] is not HashPayload hash) return false;
        byte[] expected = Rfc2409.Prf(HashId, Keys.SkeyIdA, Be32(h.MessageId), plain[extents[0].End..extents[^1].End]);
        return expected.AsSpan().SequenceEqual(hash.Data);
    }

    // ---------------------------------------------------------------- plumbing

    public IsakmpHeader Header(ExchangeType exchange, uint mid, IsakmpFlags flags) =>
        new(InitiatorCookie, ResponderCookie, PayloadType.None, 0x10, exchange, flags, mid, 0);

    /// <summary>Encodes, zero-pads to the block size and CBC-encrypts; <paramref name="iv"/> becomes the last block.</summary>
    public byte[] EncryptMessage(IsakmpHeader header, List<Payload> payloads, Phase1KeySet keys, ref byte[] iv)
    {
        byte[] body = PayloadCodec.EncodeChain(payloads, out var first);
        int padded = (body.Length + BlockSize - 1) / BlockSize * BlockSize;
        Array.Resize(ref body, padded);
        byte[] encrypted = Cbc(keys.EncryptionKey, iv, body, encrypt: true);
        iv = encrypted[^BlockSize..];
        return IkeMessage.EncodeEncrypted(header, first, encrypted);
    }

    private (IsakmpHeader Header, byte[] Plain, List<Payload> Payloads, List<Range> Extents) Decrypt(byte[] datagram, Phase1KeySet keys, ref byte[] iv)
    {
        Assert.Equal(DecodeError.None, IsakmpHeader.TryDecode(datagram, out var header));
        Assert.True(header.IsEncrypted);
        Assert.Equal((InitiatorCookie, ResponderCookie), (header.InitiatorCookie, header.ResponderCookie));
        byte[] body = datagram[IsakmpHeader.Size..(int)header.Length];
        Assert.True(body.Length > 0 && body.Length % BlockSize == 0, $"encrypted body of {body.Length} bytes is not whole blocks");
        byte[] plain = Cbc(keys.EncryptionKey, iv, body, encrypt: false);
        iv = body[^BlockSize..];
        Assert.Equal(DecodeError.None, PayloadCodec.TryDecodeChain(header.NextPayload, plain, true, out var payloads, out var extents));
        return (header, plain, payloads, extents);
    }

    private byte[] Cbc(byte[] key, byte[] iv, byte[] data, bool encrypt)
    {
        using SymmetricAlgorithm alg = CipherId == 5 ? TripleDES.Create() : Aes.Create();
        alg.Key = key;
        return encrypt ? alg.EncryptCbc(data, iv, PaddingMode.None) : alg.DecryptCbc(data, iv, PaddingMode.None);
    }

    public static byte[] Be32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return b;
    }

    public static byte[] Be64(ulong v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, v);
        return b;
    }

    private sealed class AttributeComparer : IEqualityComparer<DataAttribute>
    {
        public static readonly AttributeComparer Instance = new();
        public bool Equals(DataAttribute x, DataAttribute y) => x.Type == y.Type && x.AsInteger == y.AsInteger;
        public int GetHashCode(DataAttribute a) => HashCode.Combine(a.Type, a.AsInteger);
    }
}

internal sealed record Phase1KeySet(byte[] SkeyId, byte[] SkeyIdD, byte[] SkeyIdA, byte[] SkeyIdE, byte[] EncryptionKey);

/// <summary>The RFC 2409 primitives, straight from .NET's HMAC and hash classes.</summary>
internal static class Rfc2409
{
    public static byte[] Prf(ushort hashId, byte[] key, params byte[][] parts)
    {
        byte[] data = parts.SelectMany(p => p).ToArray();
        return hashId switch
        {
            1 => HMACMD5.HashData(key, data),
            2 => HMACSHA1.HashData(key, data),
            4 => HMACSHA256.HashData(key, data),
            5 => HMACSHA384.HashData(key, data),
            6 => HMACSHA512.HashData(key, data),
            _ => throw new ArgumentOutOfRangeException(nameof(hashId)),
        };
    }

    public static byte[] Hash(ushort hashId, params byte[][] parts)
    {
        byte[] data = parts.SelectMany(p => p).ToArray();
        return hashId switch
        {
            1 => MD5.HashData(data),
            2 => SHA1.HashData(data),
            4 => SHA256.HashData(data),
            5 => SHA384.HashData(data),
            6 => SHA512.HashData(data),
            _ => throw new ArgumentOutOfRangeException(nameof(hashId)),
        };
    }
}
