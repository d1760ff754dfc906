using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ike.Keys;
using Appliance.Protocols.Ike.Policy;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Ike.Sa;

internal enum SaState { AwaitingKeyExchange, AwaitingIdentity, Established, Dead }

/// <summary>
/// One IKEv1 SA on the responder side, Main Mode with a pre-shared key (RFC 2409 §5.4):
/// <code>
///   I -> R   HDR, SA [, VID...]                       R -> I   HDR, SA [, VID...]
///   I -> R   HDR, KE, Ni [, NAT-D, NAT-D]             R -> I   HDR, KE, Nr [, NAT-D, NAT-D]
///   I -> R   HDR*, IDii, HASH_I [, N(INITIAL-CONTACT)] R -> I   HDR*, IDir, HASH_R
/// </code>
/// or with RSA signatures (RFC 2409 §5.1, <c>IkeSa.Signatures.cs</c>), where MM4 adds CERTREQ and
/// MM5/MM6 carry CERT and SIG instead of HASH:
/// <code>
///   I -> R   HDR, KE, Ni [, CERTREQ] [, NAT-D...]      R -> I   HDR, KE, Nr, CERTREQ [, NAT-D...]
///   I -> R   HDR*, IDii, CERT, SIG_I [, CERTREQ]      R -> I   HDR*, IDir, CERT, SIG_R
/// </code>
/// then Quick Modes (<see cref="QuickMode"/>) and informational exchanges under it.
/// </summary>
internal sealed partial class IkeSa : IDisposable
{
    private readonly IkeResponderOptions _options;
    private IkePrf _prf;

    public IkeSa(Cookies cookies, IPEndPoint peer, IPEndPoint local, IkeResponderOptions options, DateTimeOffset now)
    {
        Cookies = cookies;
        Peer = peer;
        Local = local;
        _options = options;
        Created = now;
        _lastHeard = now;
    }

    public Cookies Cookies { get; }
    public IPEndPoint Peer { get; private set; }
    public IPEndPoint Local { get; private set; }
    public bool OnNatTraversalPort { get; private set; }
    public DateTimeOffset Created { get; }
    public SaState State { get; private set; } = SaState.AwaitingKeyExchange;
    public NatTVersion NatT { get; private set; }
    public bool PeerBehindNat { get; private set; }
    public bool SelfBehindNat { get; private set; }
    public bool PeerDoesDpd { get; private set; }
    public byte[]? PeerIdentity { get; private set; }
    public Phase1Proposal? Chosen { get; private set; }

    private byte[] _natTVendorId = [];
    /// <summary>Set by a handler once the current message proved to come from the peer.</summary>
    private bool _authenticated;

    // Main Mode material.
    private byte[] _saInitiatorBody = [];
    private IDiffieHellman? _dh;
    private byte[] _gxi = [], _gxr = [], _ni = [], _nr = [];
    private Phase1Keys? _keys;
    private MessageCipher? _cipher;
    private byte[] _iv = [];
    private byte[] _lastPhase1Block = [];

    // Retransmission: the last request we answered and our answer (RFC 2408 §5: a retransmitted
    // request gets the same reply and changes nothing).
    private byte[]? _lastRequestHash;
    private byte[]? _lastReply;
    private bool _lastReplyOnNatPort;

    private readonly Dictionary<uint, QuickMode> _quickModes = [];
    public List<ChildSaKeys> Children { get; } = [];

    private IkePrf Prf => _prf;

    /// <summary>Main Mode message 1: choose a transform, answer with it and our vendor IDs.</summary>
    public List<IkeAction> OnFirstMessage(IsakmpHeader header, List<Payload> payloads, List<Range> extents, ReadOnlySpan<byte> chain, byte[] wholeMessage) =>
        Outgoing(OnFirstMessageCore(payloads, extents, chain, wholeMessage));

    private List<IkeAction> OnFirstMessageCore(List<Payload> payloads, List<Range> extents, ReadOnlySpan<byte> chain, byte[] wholeMessage)
    {
        var actions = new List<IkeAction>();
        var sa = payloads.OfType<SecurityAssociationPayload>().FirstOrDefault();
        if (sa is null || sa.Doi != 1)
            return Fail(actions, "Main Mode without an IPsec SA payload");
        foreach (var vid in payloads.OfType<VendorIdPayload>())
        {
            switch (KnownVendorIds.Identify(vid.Data))
            {
                // The best dialect both speak; we answer with the very vendor ID the peer sent.
                case KnownVendor.NatTraversalRfc3947: NatT = NatTVersion.Rfc3947; _natTVendorId = vid.Data; break;
                case KnownVendor.NatTraversalDraft03 when NatT < NatTVersion.Draft03: NatT = NatTVersion.Draft03; _natTVendorId = vid.Data; break;
                case KnownVendor.NatTraversalDraft02 or KnownVendor.NatTraversalDraft02Newline when NatT < NatTVersion.Draft02:
                    NatT = NatTVersion.Draft02; _natTVendorId = vid.Data; break;
                case KnownVendor.DeadPeerDetection: PeerDoesDpd = true; break;
                case KnownVendor.Fragmentation: NoteFragmentationVendorId(vid.Data); break;
            }
        }
        Proposal? chosenProposal = null;
        Transform? chosenTransform = null;
        foreach (var proposal in sa.Proposals.Where(p => p.Protocol == ProtocolId.Isakmp))
        {
            foreach (var t in proposal.Transforms)
            {
                var candidate = ProposalReader.Phase1(t);
                if (candidate is null || !AuthMethodAvailable(candidate.AuthMethod) || !_options.Policy.Accepts(candidate)) continue;
                Chosen = candidate;
                chosenProposal = proposal;
                chosenTransform = t;
                break;
            }
            if (Chosen is not null) break;
        }
        if (Chosen is null)
        {
            actions.Add(Log("warn", "no acceptable phase-1 proposal",
                ("offered", string.Join(", ", sa.Proposals.SelectMany(p => p.Transforms).Select(t => ProposalReader.Phase1(t)?.ToString() ?? $"transform {t.TransformId}"))),
                ("security", _options.Policy.Level), ("certificates", _options.Certificates is not null)));
            actions.Add(PlainNotify(14 /* NO-PROPOSAL-CHOSEN */));
            State = SaState.Dead;
            return actions;
        }
        _prf = new IkePrf(Chosen.Hash);
        _saInitiatorBody = ChainBytes.Body(chain, extents[payloads.IndexOf(sa)]);

        var reply = new List<Payload>
        {
            new SecurityAssociationPayload(sa.Doi, sa.Situation,
                [new Proposal(chosenProposal!.Number, ProtocolId.Isakmp, [], [chosenTransform!])]),
        };
        if (NatT != NatTVersion.None) reply.Add(new VendorIdPayload(_natTVendorId));
        reply.Add(new VendorIdPayload(KnownVendorIds.DeadPeerDetection.ToArray()));
        if (FragmentationVendorIdReply() is { } fragmentation) reply.Add(fragmentation);
        actions.Add(Log("info", "phase 1 proposal chosen", ("proposal", Chosen), ("nat_t", NatT), ("dpd", PeerDoesDpd),
            ("fragmentation", PeerDoesFragmentation)));
        Answer(actions, ReplyHeader(ExchangeType.IdentityProtection, 0, IsakmpFlags.None), reply, natPort: false);
        // Message 1 does not pass through OnMessage, which caches every other reply.
        _lastRequestHash = SHA256.HashData(wholeMessage);
        _lastReply = ((SendDatagram)actions[^1]).Data;
        _lastReplyOnNatPort = false;
        return actions;
    }

    /// <summary>A later message of this SA: Main Mode 3 or 5, Quick Mode, informational.</summary>
    public List<IkeAction> OnMessage(IsakmpHeader header, byte[] message, IPEndPoint from, IPEndPoint local, bool natPort, DateTimeOffset now) =>
        Outgoing(OnMessageCore(header, message, from, local, natPort, now));

    private List<IkeAction> OnMessageCore(IsakmpHeader header, byte[] message, IPEndPoint from, IPEndPoint local, bool natPort, DateTimeOffset now)
    {
        var actions = new List<IkeAction>();
        if (State == SaState.Dead) return actions;
        byte[] requestHash = SHA256.HashData(message);
        if (_lastRequestHash is not null && CryptographicOperations.FixedTimeEquals(requestHash, _lastRequestHash) && _lastReply is not null)
        {
            actions.Add(new SendDatagram(_lastReply, from, local, _lastReplyOnNatPort));
            actions.Add(Log("debug", "retransmitted request answered from cache"));
            return actions;
        }
        // RFC 3947 §4: the initiator moves to 4500 after NAT-D, and a NAT may remap its port later.
        // The new endpoint is tried for this message only, and kept only if the message proved to
        // come from the peer (a handler set _authenticated): otherwise anyone who saw the cookies
        // could redirect our replies and Deletes (RFC 7296 §2.23 makes the same rule for IKEv2).
        var (oldPeer, oldLocal, oldNatPort) = (Peer, Local, OnNatTraversalPort);
        _authenticated = false;
        bool floated = natPort && !OnNatTraversalPort && NatT != NatTVersion.None;
        if (floated) OnNatTraversalPort = true;
        if (OnNatTraversalPort) Peer = from;
        Local = local;
        switch (header.Exchange)
        {
            case ExchangeType.IdentityProtection when State == SaState.AwaitingKeyExchange && !header.Flags.HasFlag(IsakmpFlags.Encryption):
                OnKeyExchange(header, message, actions);
                break;
            case ExchangeType.IdentityProtection when State == SaState.AwaitingIdentity && header.Flags.HasFlag(IsakmpFlags.Encryption):
                if (UsesSignatures) OnSignedIdentity(header, message, actions, now);
                else OnIdentity(header, message, actions);
                break;
            case ExchangeType.QuickMode when State == SaState.Established:
                OnQuickMode(header, message, actions);
                break;
            case ExchangeType.Informational when State == SaState.Established:
                OnInformational(header, message, actions);
                break;
            default:
                actions.Add(Log("debug", "message out of sequence dropped", ("exchange", header.Exchange), ("state", State)));
                (Peer, Local, OnNatTraversalPort) = (oldPeer, oldLocal, oldNatPort);
                return actions;
        }
        if (!_authenticated) (Peer, Local, OnNatTraversalPort) = (oldPeer, oldLocal, oldNatPort);
        else if (floated) actions.Add(Log("info", "peer floated to port 4500", ("peer", from)));
        if (actions.OfType<SendDatagram>().LastOrDefault() is { } sent && State != SaState.Dead)
        {
            _lastRequestHash = requestHash;
            _lastReply = sent.Data;
            _lastReplyOnNatPort = sent.NatTraversalPort;
        }
        return actions;
    }

    private void OnKeyExchange(IsakmpHeader header, byte[] message, List<IkeAction> actions)
    {
        var chain = message.AsSpan(IsakmpHeader.Size, (int)header.Length - IsakmpHeader.Size);
        if (PayloadCodec.TryDecodeChain(header.NextPayload, chain, false, out var payloads) != DecodeError.None) { actions.Add(Log("debug", "malformed message 3 dropped")); return; }
        var ke = payloads.OfType<KeyExchangePayload>().FirstOrDefault();
        var nonce = payloads.OfType<NoncePayload>().FirstOrDefault();
        if (ke is null || nonce is null) { actions.Add(Log("debug", "message 3 without KE or nonce dropped")); return; }
        _dh = DiffieHellmanGroups.Create(Chosen!.Group, _options.Random);
        byte[] sharedSecret;
        try { sharedSecret = _dh.DeriveSharedSecret(ke.Data); }
        catch (ArgumentException e)
        {
            actions.Add(Log("warn", "invalid key exchange value", ("reason", e.Message)));
            actions.Add(PlainNotify(17 /* INVALID-KEY-INFORMATION */));
            State = SaState.Dead;
            return;
        }
        _gxi = ke.Data;
        _gxr = _dh.PublicValue.ToArray();
        _ni = nonce.Data;
        _nr = new byte[32];
        _options.Random.Fill(_nr);

        var reply = new List<Payload> { new KeyExchangePayload(_gxr), new NoncePayload(_nr) };
        if (UsesSignatures) reply.AddRange(CertificateRequests());
        var natd = payloads.OfType<NatDiscoveryPayload>().ToList();
        if (NatT != NatTVersion.None && natd.Count >= 2)
        {
            // RFC 3947 §3.2: the first NAT-D is the hash of the receiver's address (us) as the
            // initiator addressed it; the others, the initiator's own candidate addresses.
            byte[] ours = NatDetection.Hash(Prf, Cookies, Local.Address, (ushort)Local.Port);
            byte[] theirs = NatDetection.Hash(Prf, Cookies, Peer.Address, (ushort)Peer.Port);
            SelfBehindNat = !CryptographicOperations.FixedTimeEquals(natd[0].Hash, ours);
            PeerBehindNat = !natd.Skip(1).Any(n => CryptographicOperations.FixedTimeEquals(n.Hash, theirs));
            bool draft = NatT != NatTVersion.Rfc3947;
            reply.Add(new NatDiscoveryPayload(theirs, draft));
            reply.Add(new NatDiscoveryPayload(ours, draft));
            actions.Add(Log("info", "NAT detection", ("peer_behind_nat", PeerBehindNat), ("self_behind_nat", SelfBehindNat)));
        }
        else NatT = NatTVersion.None; // NAT-T advertised but no NAT-D sent: the peer dropped it

        _keys = UsesSignatures
            ? Phase1Keys.DeriveSignature(Prf, _ni, _nr, sharedSecret, Cookies, Chosen.KeyBytes)
            : Phase1Keys.DerivePreSharedKey(Prf, _options.PreSharedKey, _ni, _nr, sharedSecret, Cookies, Chosen.KeyBytes);
        CryptographicOperations.ZeroMemory(sharedSecret);
        _cipher = new MessageCipher(Chosen.Cipher == IkeCipher.Aes ? CbcCipher.CreateAes(_keys.EncryptionKey) : CbcCipher.CreateTripleDes(_keys.EncryptionKey));
        _iv = Phase1Iv.Initial(Prf, _gxi, _gxr, Chosen.BlockSize);
        State = SaState.AwaitingIdentity;
        _authenticated = true; // nothing to authenticate yet in MM3; the dispatcher checked the address
        Answer(actions, ReplyHeader(ExchangeType.IdentityProtection, 0, IsakmpFlags.None), reply, natPort: OnNatTraversalPort);
    }

    private void OnIdentity(IsakmpHeader header, byte[] message, List<IkeAction> actions)
    {
        var plain = _cipher!.Decrypt(ref _iv, message.AsSpan(IsakmpHeader.Size, (int)header.Length - IsakmpHeader.Size));
        List<Payload>? payloads = null;
        List<Range> extents = [];
        if (plain is not null && PayloadCodec.TryDecodeChain(header.NextPayload, plain, true, out var decoded, out extents) == DecodeError.None)
            payloads = decoded;
        var id = payloads?.OfType<IdentificationPayload>().FirstOrDefault();
        var hash = payloads?.OfType<HashPayload>().FirstOrDefault();
        bool authentic = false;
        if (id is not null && hash is not null)
        {
            byte[] idBody = ChainBytes.Body(plain, extents[payloads!.IndexOf(id)]);
            byte[] expected = _keys!.HashInitiator(_gxi, _gxr, Cookies, _saInitiatorBody, idBody);
            authentic = CryptographicOperations.FixedTimeEquals(expected, hash.Data);
        }
        if (!authentic)
        {
            // Decrypting under a key derived from a different PSK yields garbage or a wrong hash:
            // both mean the same to the admin. We still answer, encrypted under our key as RFC 2409
            // requires after MM4: a client with another PSK cannot read it, but it learns that the
            // server is there and disagrees (charon logs "decryption failed?", the usual sign of a
            // PSK mismatch) rather than that nothing answers. No state is kept.
            actions.Add(Log("warn", "pre-shared key mismatch", ("peer", Peer)));
            _lastPhase1Block = _iv;
            SendInformational(actions, 24 /* AUTHENTICATION-FAILED */, ProtocolId.Isakmp, []);
            State = SaState.Dead;
            return;
        }
        _authenticated = true;
        PeerIdentity = id!.Data;
        bool initialContact = payloads!.OfType<NotificationPayload>().Any(n => n.MessageType == 24578);
        var ourId = new IdentificationPayload(1 /* ID_IPV4_ADDR */, 0, 0, Local.Address.MapToIPv4().GetAddressBytes());
        byte[] hashR = _keys!.HashResponder(_gxi, _gxr, Cookies, _saInitiatorBody, PayloadCodec.EncodeBody(ourId));
        var header6 = ReplyHeader(ExchangeType.IdentityProtection, 0, IsakmpFlags.Encryption);
        byte[] body = PayloadCodec.EncodeChain([ourId, new HashPayload(hashR)], out var first);
        byte[] encrypted = _cipher.Encrypt(ref _iv, body);
        _lastPhase1Block = _iv;
        State = SaState.Established;
        actions.Add(new SendDatagram(IkeMessage.EncodeEncrypted(header6, first, encrypted), Peer, Local, OnNatTraversalPort));
        actions.Add(Log("info", "IKE SA established", ("peer", Peer), ("id", IdText(id)), ("proposal", Chosen),
            ("nat_t", NatT), ("initial_contact", initialContact)));
        if (initialContact) actions.Add(new IkeInitialContact(Cookies.Initiator, Peer.Address, id.Data));
    }

    private static string IdText(IdentificationPayload id) => Auth.PeerCertificateCheck.Describe(id);

    private IsakmpHeader ReplyHeader(ExchangeType exchange, uint messageId, IsakmpFlags flags) =>
        new(Cookies.Initiator, Cookies.Responder, PayloadType.None, 0x10, exchange, flags, messageId, 0);

    private void Answer(List<IkeAction> actions, IsakmpHeader header, List<Payload> payloads, bool natPort) =>
        actions.Add(new SendDatagram(IkeMessage.Encode(header, payloads), Peer, Local, natPort));

    private SendDatagram PlainNotify(ushort type)
    {
        var header = new IsakmpHeader(Cookies.Initiator, Cookies.Responder, PayloadType.None, 0x10, ExchangeType.Informational, IsakmpFlags.None, 0, 0);
        return new SendDatagram(IkeMessage.Encode(header, [new NotificationPayload(1, ProtocolId.Isakmp, type, [], [])]), Peer, Local, OnNatTraversalPort);
    }

    private List<IkeAction> Fail(List<IkeAction> actions, string why)
    {
        actions.Add(Log("debug", why));
        State = SaState.Dead;
        return actions;
    }

    private static IkeLog Log(string level, string message, params (string Key, object? Value)[] fields) => new(level, message, fields);

    public void Dispose()
    {
        _dh?.Dispose();
        _keys?.Dispose();
        _cipher?.Dispose();
        foreach (var qm in _quickModes.Values) qm.Dispose();
        State = SaState.Dead;
    }
}

/// <summary>The peer sent INITIAL-CONTACT: its older SAs (from before a reboot) should go.</summary>
public sealed record IkeInitialContact(ulong KeepInitiatorCookie, IPAddress PeerAddress, byte[] PeerIdentity) : IkeAction;
