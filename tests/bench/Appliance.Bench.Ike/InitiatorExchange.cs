using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ike.Wire;
using static Appliance.Bench.Ike.Ikev1Crypto;

namespace Appliance.Bench.Ike;

/// <summary>What one received datagram did to an exchange.</summary>
internal enum StepResult
{
    /// <summary>Not the answer awaited (another exchange's, or a retransmitted earlier answer): keep waiting.</summary>
    Ignored,
    /// <summary>The awaited answer: send the next request (a new retransmission cycle starts).</summary>
    Next,
    /// <summary>QM2 verified: send QM3, Main Mode and Quick Mode are complete.</summary>
    Completed,
    /// <summary>The responder refused or answered wrongly: see <see cref="InitiatorExchange.Failure"/>.</summary>
    Failed,
}

/// <summary>
/// One IKEv1 initiator exchange as an L2TP/IPsec client runs it: Main Mode with a pre-shared key
/// (RFC 2409 §5.4, six messages) and one Quick Mode (§5.5, three messages) for ESP transport mode
/// protecting UDP port 1701. Written from the RFCs for the load driver: messages are built with the
/// firmware's public Wire codec, keys and hashes computed here with .NET's primitives, every answer
/// verified (HASH_R, HASH(2), the chosen transforms), so a responder is only credited with a
/// handshake a real client would have accepted. No NAT-T vendor ID: the peers are not behind NAT.
/// </summary>
internal sealed class InitiatorExchange : IDisposable
{
    private enum Stage { AwaitMm2, AwaitMm4, AwaitMm6, AwaitQm2, Done }

    // Phase 1 as offered: AES-CBC-128, SHA2-256, PSK, the profile's group, 8 h (RFC 2409 Appendix A numbers).
    private const ushort CipherAesCbc = 7, HashSha256 = 4, AuthPsk = 1;
    private const int AesKeyBytes = 16, BlockSize = 16;
    // Phase 2 as offered: ESP AES-CBC-128 (transform 12) with HMAC-SHA1 (auth 2), transport (mode 2), 1 h (RFC 2407 §4.4.4, §4.5).
    private const byte EspAesCbc = 12;
    private const ushort L2tpPort = 1701, IkePort = 500;

    private readonly ExchangeProfile _profile;
    private readonly IPAddress _self;
    private readonly ulong _icky;
    private ulong _rcky;
    private Stage _stage = Stage.AwaitMm2;
    private byte[] _saiBody = [];
    private IDiffieHellman? _dh;
    private byte[] _gxi = [], _gxr = [], _ni = [], _nr = [];
    private byte[] _skeyId = [], _skeyIdA = [];
    private Aes? _aes;
    private byte[] _iv = [], _lastPhase1Block = [];
    private uint _qmId;
    private uint _espSpi;
    private byte[] _qmNi = [], _qmRestHashed = [];

    public InitiatorExchange(ExchangeProfile profile, IPAddress self)
    {
        _profile = profile;
        _self = self;
        _icky = BinaryPrimitives.ReadUInt64BigEndian(RandomNumberGenerator.GetBytes(8)) | 1;
    }

    /// <summary>Why the exchange failed (a short, stable phrase: failures are counted by it).</summary>
    public string Failure { get; private set; } = "";

    public bool IsComplete => _stage == Stage.Done;

    // ------------------------------------------------------------------ Main Mode

    /// <summary>MM1: HDR, SA with one proposal of one transform.</summary>
    public byte[] Start()
    {
        var transform = new Transform(1, 1 /* KEY_IKE */,
        [
            DataAttribute.Basic(1, CipherAesCbc),
            DataAttribute.Basic(14, AesKeyBytes * 8),
            DataAttribute.Basic(2, HashSha256),
            DataAttribute.Basic(3, AuthPsk),
            DataAttribute.Basic(4, _profile.Group),
            DataAttribute.Basic(11, 1),       // life type: seconds
            DataAttribute.Basic(12, 28800),   // life duration
        ]);
        var sa = new SecurityAssociationPayload(1, 1, [new Proposal(1, ProtocolId.Isakmp, [], [transform])]);
        _saiBody = PayloadCodec.EncodeBody(sa);
        return IkeMessage.Encode(Header(ExchangeType.IdentityProtection, 0, IsakmpFlags.None), [sa]);
    }

    /// <summary>Feeds one datagram from the responder; <paramref name="next"/> is what to send now.</summary>
    public StepResult Receive(ReadOnlySpan<byte> datagram, out byte[]? next)
    {
        next = null;
        if (IsakmpHeader.TryDecode(datagram, out var header) != DecodeError.None || header.InitiatorCookie != _icky) return StepResult.Ignored;
        byte[] message = datagram[..(int)header.Length].ToArray();
        if (header.Exchange == ExchangeType.Informational) return Informational(header, message);
        try
        {
            return _stage switch
            {
                Stage.AwaitMm2 => MainMode2(header, message, out next),
                Stage.AwaitMm4 => MainMode4(header, message, out next),
                Stage.AwaitMm6 => MainMode6(header, message, out next),
                Stage.AwaitQm2 => QuickMode2(header, message, out next),
                _ => StepResult.Ignored,
            };
        }
        catch (ArgumentException e)
        {
            // The DH implementations refuse an invalid KE value by throwing.
            return Fail("invalid KE: " + e.GetType().Name);
        }
    }

    private StepResult MainMode2(IsakmpHeader header, byte[] message, out byte[]? next)
    {
        next = null;
        if (header.Exchange != ExchangeType.IdentityProtection || header.IsEncrypted || header.MessageId != 0 || header.ResponderCookie == 0) return StepResult.Ignored;
        if (IkeMessage.TryDecode(message, out _, out var payloads) != DecodeError.None) return Fail("MM2 malformed");
        var sa = payloads.OfType<SecurityAssociationPayload>().FirstOrDefault();
        if (sa is null) return StepResult.Ignored;
        if (sa.Proposals.Count != 1 || sa.Proposals[0].Transforms.Count != 1) return Fail("MM2 not one transform");
        var t = sa.Proposals[0].Transforms[0];
        if (Attribute(t, 1) != CipherAesCbc || Attribute(t, 14) != AesKeyBytes * 8 || Attribute(t, 2) != HashSha256
            || Attribute(t, 3) != AuthPsk || Attribute(t, 4) != _profile.Group)
            return Fail("MM2 chose another transform");
        _rcky = header.ResponderCookie;
        _dh = _profile.KeyPairs.Rent();
        _gxi = _dh.PublicValue.ToArray();
        _ni = RandomNumberGenerator.GetBytes(32);
        _stage = Stage.AwaitMm4;
        next = IkeMessage.Encode(Header(ExchangeType.IdentityProtection, 0, IsakmpFlags.None), [new KeyExchangePayload(_gxi), new NoncePayload(_ni)]);
        return StepResult.Next;
    }

    private StepResult MainMode4(IsakmpHeader header, byte[] message, out byte[]? next)
    {
        next = null;
        if (header.Exchange != ExchangeType.IdentityProtection || header.IsEncrypted || header.ResponderCookie != _rcky) return StepResult.Ignored;
        if (IkeMessage.TryDecode(message, out _, out var payloads) != DecodeError.None) return Fail("MM4 malformed");
        var ke = payloads.OfType<KeyExchangePayload>().FirstOrDefault();
        var nonce = payloads.OfType<NoncePayload>().FirstOrDefault();
        if (ke is null || nonce is null) return StepResult.Ignored; // a retransmitted MM2
        _gxr = ke.Data;
        _nr = nonce.Data;
        byte[] gxy;
        try { gxy = _dh!.DeriveSharedSecret(_gxr); }
        finally { _profile.KeyPairs.Return(_dh!); _dh = null; }

        // RFC 2409 §5: SKEYID = prf(pre-shared-key, Ni_b | Nr_b); SKEYID_d/a/e chained from it.
        byte[] ci = Be64(_icky), cr = Be64(_rcky);
        _skeyId = Prf(HashSha256, _profile.Psk, _ni, _nr);
        byte[] d = Prf(HashSha256, _skeyId, gxy, ci, cr, [0]);
        _skeyIdA = Prf(HashSha256, _skeyId, d, gxy, ci, cr, [1]);
        byte[] e = Prf(HashSha256, _skeyId, _skeyIdA, gxy, ci, cr, [2]);
        _aes = Aes.Create();
        _aes.Key = CipherKey(HashSha256, e, AesKeyBytes);
        CryptographicOperations.ZeroMemory(gxy);
        _iv = Hash(HashSha256, _gxi, _gxr)[..BlockSize];

        // MM5: HDR*, IDii, HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b).
        var id = new IdentificationPayload(IdType.Ipv4Address, 17, IkePort, _self.GetAddressBytes());
        byte[] hashI = Prf(HashSha256, _skeyId, _gxi, _gxr, ci, cr, _saiBody, PayloadCodec.EncodeBody(id));
        next = Encrypt(Header(ExchangeType.IdentityProtection, 0, IsakmpFlags.Encryption), [id, new HashPayload(hashI)], ref _iv);
        _stage = Stage.AwaitMm6;
        return StepResult.Next;
    }

    private StepResult MainMode6(IsakmpHeader header, byte[] message, out byte[]? next)
    {
        next = null;
        if (header.Exchange != ExchangeType.IdentityProtection || !header.IsEncrypted || header.MessageId != 0 || header.ResponderCookie != _rcky) return StepResult.Ignored;
        byte[] iv = _iv;
        if (!TryDecrypt(header, message, ref iv, out byte[] plain, out var payloads, out var extents)) return Fail("MM6 does not decrypt");
        int idIndex = payloads.FindIndex(p => p is IdentificationPayload);
        var hash = payloads.OfType<HashPayload>().FirstOrDefault();
        if (idIndex < 0 || hash is null) return Fail("MM6 without ID or HASH");
        // HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b), over IDir_b as received.
        byte[] idBody = plain[extents[idIndex]][4..];
        byte[] expected = Prf(HashSha256, _skeyId, _gxr, _gxi, Be64(_rcky), Be64(_icky), _saiBody, idBody);
        if (!CryptographicOperations.FixedTimeEquals(expected, hash.Data)) return Fail("MM6 HASH_R wrong");
        _iv = iv;
        _lastPhase1Block = iv;
        next = QuickMode1();
        _stage = Stage.AwaitQm2;
        return StepResult.Next;
    }

    // ------------------------------------------------------------------ Quick Mode

    /// <summary>QM1: HDR*, HASH(1), SA, Ni, IDci, IDcr (UDP port 1701 on both sides, transport mode).</summary>
    private byte[] QuickMode1()
    {
        _qmId = NonZero(1);
        _espSpi = NonZero(256);
        _qmNi = RandomNumberGenerator.GetBytes(32);
        var transform = new Transform(1, EspAesCbc,
        [
            DataAttribute.Basic(1, 1),                   // life type: seconds
            DataAttribute.Variable(2, Be32(3600)),       // life duration, as a 4-byte value like Windows sends
            DataAttribute.Basic(4, 2),                   // encapsulation: transport
            DataAttribute.Basic(5, 2),                   // HMAC-SHA1
            DataAttribute.Basic(6, 128),                 // key length
        ]);
        var sa = new SecurityAssociationPayload(1, 1, [new Proposal(1, ProtocolId.Esp, Be32(_espSpi), [transform])]);
        var rest = new List<Payload>
        {
            sa,
            new NoncePayload(_qmNi),
            new IdentificationPayload(IdType.Ipv4Address, 17, L2tpPort, _self.GetAddressBytes()),
            new IdentificationPayload(IdType.Ipv4Address, 17, L2tpPort, _profile.Responder.GetAddressBytes()),
        };
        // HASH(1) = prf(SKEYID_a, M-ID | SA | Ni | IDci | IDcr): the payload bytes after HASH(1).
        _qmRestHashed = PayloadCodec.EncodeChain(rest, out _);
        byte[] hash1 = Prf(HashSha256, _skeyIdA, Be32(_qmId), _qmRestHashed);
        _iv = Hash(HashSha256, _lastPhase1Block, Be32(_qmId))[..BlockSize];
        return Encrypt(Header(ExchangeType.QuickMode, _qmId, IsakmpFlags.Encryption), [new HashPayload(hash1), .. rest], ref _iv);
    }

    private StepResult QuickMode2(IsakmpHeader header, byte[] message, out byte[]? next)
    {
        next = null;
        if (header.Exchange != ExchangeType.QuickMode || header.MessageId != _qmId || !header.IsEncrypted || header.ResponderCookie != _rcky) return StepResult.Ignored;
        byte[] iv = _iv;
        if (!TryDecrypt(header, message, ref iv, out byte[] plain, out var payloads, out var extents)) return Fail("QM2 does not decrypt");
        if (payloads.Count < 2 || payloads[0] is not HashPayload hash) return Fail("QM2 without HASH(2)");
        // HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr | ...), over the payloads as received.
        byte[] expected = Prf(HashSha256, _skeyIdA, Be32(_qmId), _qmNi, plain[extents[0].End..extents[^1].End]);
        if (!CryptographicOperations.FixedTimeEquals(expected, hash.Data)) return Fail("QM2 HASH(2) wrong");
        var sa = payloads.OfType<SecurityAssociationPayload>().FirstOrDefault();
        var nr = payloads.OfType<NoncePayload>().FirstOrDefault();
        if (sa is null || nr is null || sa.Proposals.Count != 1 || sa.Proposals[0].Protocol != ProtocolId.Esp
            || sa.Proposals[0].Spi.Length != 4 || sa.Proposals[0].Transforms.Count != 1)
            return Fail("QM2 without one ESP proposal");
        var t = sa.Proposals[0].Transforms[0];
        if (t.TransformId != EspAesCbc || Attribute(t, 4) != 2 || Attribute(t, 5) != 2 || Attribute(t, 6) != 128)
            return Fail("QM2 chose another ESP transform");
        // HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b); KEYMAT is not needed: no ESP traffic is sent.
        byte[] hash3 = Prf(HashSha256, _skeyIdA, [0], Be32(_qmId), _qmNi, nr.Data);
        _iv = iv;
        next = Encrypt(Header(ExchangeType.QuickMode, _qmId, IsakmpFlags.Encryption), [new HashPayload(hash3)], ref _iv);
        _stage = Stage.Done;
        return StepResult.Completed;
    }

    /// <summary>An informational exchange deleting this IKE SA (RFC 2409 §5.7: HDR*, HASH(1), D),
    /// as a client sends when it disconnects; the responder then frees the SA and its ESP SAs.</summary>
    public byte[] DeleteIkeSa()
    {
        uint mid = NonZero(1);
        var delete = new DeletePayload(1, ProtocolId.Isakmp, 16, [[.. Be64(_icky), .. Be64(_rcky)]]);
        byte[] hash = Prf(HashSha256, _skeyIdA, Be32(mid), PayloadCodec.EncodeChain([delete], out _));
        byte[] iv = Hash(HashSha256, _lastPhase1Block, Be32(mid))[..BlockSize];
        return Encrypt(Header(ExchangeType.Informational, mid, IsakmpFlags.Encryption), [new HashPayload(hash), delete], ref iv);
    }

    // ------------------------------------------------------------------ plumbing

    /// <summary>An informational from the responder before we are done is a refusal: name it.
    /// Plain ones (before keys) are read; protected ones are decrypted when the keys allow.</summary>
    private StepResult Informational(IsakmpHeader header, byte[] message)
    {
        if (_stage == Stage.Done) return StepResult.Ignored;
        List<Payload> payloads = [];
        if (!header.IsEncrypted) _ = IkeMessage.TryDecode(message, out _, out payloads);
        else if (_aes is not null && _lastPhase1Block.Length != 0)
        {
            byte[] iv = Hash(HashSha256, _lastPhase1Block, Be32(header.MessageId))[..BlockSize];
            _ = TryDecrypt(header, message, ref iv, out _, out payloads, out _);
        }
        var notify = payloads.OfType<NotificationPayload>().FirstOrDefault();
        if (notify is not null) return Fail($"notify {notify.MessageType} at {_stage}");
        if (payloads.OfType<DeletePayload>().Any()) return Fail($"delete at {_stage}");
        return Fail($"informational at {_stage}");
    }

    private StepResult Fail(string reason)
    {
        Failure = reason;
        return StepResult.Failed;
    }

    private IsakmpHeader Header(ExchangeType exchange, uint mid, IsakmpFlags flags) =>
        new(_icky, _rcky, PayloadType.None, IsakmpHeader.CurrentVersion, exchange, flags, mid, 0);

    /// <summary>Encodes, zero-pads to the block size (RFC 2409 §5.3) and CBC-encrypts; <paramref name="iv"/> becomes the last block.</summary>
    private byte[] Encrypt(IsakmpHeader header, List<Payload> payloads, ref byte[] iv)
    {
        byte[] body = PayloadCodec.EncodeChain(payloads, out var first);
        Array.Resize(ref body, (body.Length + BlockSize - 1) / BlockSize * BlockSize);
        byte[] encrypted = _aes!.EncryptCbc(body, iv, PaddingMode.None);
        iv = encrypted[^BlockSize..];
        return IkeMessage.EncodeEncrypted(header, first, encrypted);
    }

    private bool TryDecrypt(IsakmpHeader header, byte[] message, ref byte[] iv, out byte[] plain, out List<Payload> payloads, out List<Range> extents)
    {
        plain = [];
        payloads = [];
        extents = [];
        byte[] body = message[IsakmpHeader.Size..];
        if (_aes is null || body.Length == 0 || body.Length % BlockSize != 0) return false;
        plain = _aes.DecryptCbc(body, iv, PaddingMode.None);
        iv = body[^BlockSize..];
        return PayloadCodec.TryDecodeChain(header.NextPayload, plain, allowTrailing: true, out payloads, out extents) == DecodeError.None;
    }

    private static ulong Attribute(Transform t, ushort type) => t.TryGetAttribute(type, out var a) ? a.AsInteger : 0;

    private static uint NonZero(uint minimum)
    {
        uint v;
        do { v = BinaryPrimitives.ReadUInt32BigEndian(RandomNumberGenerator.GetBytes(4)); } while (v < minimum);
        return v;
    }

    public void Dispose()
    {
        if (_dh is not null) { _profile.KeyPairs.Return(_dh); _dh = null; }
        _aes?.Dispose();
        CryptographicOperations.ZeroMemory(_skeyId);
        CryptographicOperations.ZeroMemory(_skeyIdA);
    }
}
