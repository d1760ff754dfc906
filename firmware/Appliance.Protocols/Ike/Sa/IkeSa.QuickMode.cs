using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ike.Keys;
using Appliance.Protocols.Ike.Policy;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>
/// Quick Mode as responder (RFC 2409 §5.5) for L2TP: ESP in transport mode protecting UDP to our
/// port 1701:
/// <code>
///   I -> R   HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] [, NAT-OA, NAT-OA]
///   R -> I   HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
///   I -> R   HDR*, HASH(3)
/// </code>
/// and informational exchanges (RFC 2409 §5.7): Delete, DPD R-U-THERE (RFC 3706).
/// </summary>
internal sealed partial class IkeSa
{
    private const ushort EncapsulationTransport = 2, EncapsulationUdpTransportRfc = 4, EncapsulationUdpTransportDraft = 61444;
    private const uint DefaultChildLifetimeSeconds = 28800;
    private const ushort NotifyRUThere = 36136, NotifyRUThereAck = 36137, NotifyResponderLifetime = 24576;

    private const int MaxPendingQuickModes = 16;

    private void OnQuickMode(IsakmpHeader header, byte[] message, List<IkeAction> actions)
    {
        if (header.MessageId == 0) { actions.Add(Log("debug", "quick mode with message ID 0 dropped")); return; }
        // A pending exchange is only ever created by an authentic QM1, and its IV only moves with
        // an authentic message, so forged datagrams can neither fill the table nor spoil an exchange.
        bool known = _quickModes.TryGetValue(header.MessageId, out var qm);
        if (known && qm!.FirstRequestHash is { } first && qm.Reply is { } reply
            && CryptographicOperations.FixedTimeEquals(first, SHA256.HashData(message)))
        {
            // QM1 again (our QM2 was lost), even after other requests of this SA.
            actions.Add(new SendDatagram(reply, Peer, Local, OnNatTraversalPort));
            return;
        }
        qm ??= new QuickMode(header.MessageId, Phase1Iv.ForExchange(Prf, _lastPhase1Block, header.MessageId, Chosen!.BlockSize));
        byte[] iv = qm.Iv;
        var plain = _cipher!.Decrypt(ref iv, message.AsSpan(IsakmpHeader.Size, (int)header.Length - IsakmpHeader.Size));
        if (plain is null || PayloadCodec.TryDecodeChain(header.NextPayload, plain, true, out var payloads, out var extents) != DecodeError.None
            || payloads.Count == 0 || payloads[0] is not HashPayload hash)
        {
            actions.Add(Log("debug", "malformed quick mode message dropped"));
            return;
        }
        if (!known)
        {
            if (!CryptographicOperations.FixedTimeEquals(Phase2Keys.Hash1(Prf, _keys!.SkeyIdA, qm.MessageId, ChainBytes.AfterFirst(plain, extents)), hash.Data))
            {
                actions.Add(Log("warn", "quick mode HASH(1) mismatch; dropped", ("peer", Peer)));
                return;
            }
            _authenticated = true;
            qm.Iv = iv;
            qm.FirstRequestHash = SHA256.HashData(message);
            if (_quickModes.Count >= MaxPendingQuickModes)
            {
                // Keep the newest: a client that abandoned exchanges must not block its next one.
                var oldest = _quickModes.Keys.First();
                _quickModes[oldest].Dispose();
                _quickModes.Remove(oldest);
            }
            OnQuickModeFirst(payloads, qm, actions);
        }
        else
        {
            if (!CryptographicOperations.FixedTimeEquals(Phase2Keys.Hash3(Prf, _keys!.SkeyIdA, qm.MessageId, qm.NonceI, qm.NonceR), hash.Data))
            {
                actions.Add(Log("warn", "quick mode HASH(3) mismatch; dropped", ("peer", Peer)));
                return;
            }
            _authenticated = true;
            qm.Iv = iv;
            OnQuickModeThird(qm, actions);
        }
    }

    /// <summary>An authentic QM1: choose, answer with QM2, and only then remember the exchange.</summary>
    private void OnQuickModeFirst(List<Payload> payloads, QuickMode qm, List<IkeAction> actions)
    {
        var sa = payloads.OfType<SecurityAssociationPayload>().FirstOrDefault();
        var nonce = payloads.OfType<NoncePayload>().FirstOrDefault();
        if (sa is null || nonce is null) { actions.Add(Log("debug", "quick mode without SA or nonce dropped")); return; }
        var ids = payloads.OfType<IdentificationPayload>().ToList();
        if (ids.Count is not (0 or 2)) { SendInformational(actions, 18 /* INVALID-ID-INFORMATION */, ProtocolId.Esp, []); return; }
        if (ids.Count == 2 && !ProtectsL2tp(ids[1]))
        {
            actions.Add(Log("warn", "quick mode refused: only UDP to port 1701 (L2TP) is offered",
                ("protocol", ids[1].ProtocolId), ("port", ids[1].Port)));
            SendInformational(actions, 18, ProtocolId.Esp, []);
            _quickModes.Remove(qm.MessageId);
            return;
        }
        var ke = payloads.OfType<KeyExchangePayload>().FirstOrDefault();
        bool udpEncapsulated = NatT != NatTVersion.None && (PeerBehindNat || SelfBehindNat);
        Proposal? chosenProposal = null;
        Transform? chosenTransform = null;
        EspProposal? chosen = null;
        foreach (var proposal in sa.Proposals.Where(p => p.Protocol == ProtocolId.Esp && p.Spi.Length == 4))
        {
            var candidates = proposal.Transforms.Select(t => (t, p: ProposalReader.Esp(t)))
                .Where(x => x.p is not null && ModeFits(x.p.EncapsulationMode, udpEncapsulated) && (x.p.PfsGroup is null) == (ke is null))
                .ToList();
            var pick = _options.Policy.Choose(candidates.Select(c => c.p!));
            if (pick is null) continue;
            chosen = pick;
            chosenTransform = candidates.First(c => ReferenceEquals(c.p, pick)).t;
            chosenProposal = proposal;
            break;
        }
        if (chosen is null)
        {
            actions.Add(Log("warn", "no acceptable quick mode proposal",
                ("offered", string.Join(", ", sa.Proposals.SelectMany(p => p.Transforms).Select(t => ProposalReader.Esp(t)?.ToString() ?? $"transform {t.TransformId}"))),
                ("udp_encapsulation", udpEncapsulated)));
            SendInformational(actions, 14 /* NO-PROPOSAL-CHOSEN */, ProtocolId.Esp, []);
            _quickModes.Remove(qm.MessageId);
            return;
        }
        qm.NonceI = nonce.Data;
        qm.NonceR = new byte[32];
        _options.Random.Fill(qm.NonceR);
        qm.OutboundSpi = BinaryPrimitives.ReadUInt32BigEndian(chosenProposal!.Spi);
        qm.InboundSpi = NewSpi();
        qm.Proposal = chosen;
        // An offer without a lifetime means 28800 s (RFC 2407 §4.5); anything we change is announced.
        uint asked = chosen.LifetimeSeconds ?? DefaultChildLifetimeSeconds;
        qm.LifetimeSeconds = Math.Clamp(asked, _options.MinChildLifetimeSeconds, _options.MaxChildLifetimeSeconds);
        var natOa = payloads.OfType<NatOriginalAddressPayload>().FirstOrDefault();
        if (natOa is { IdType: 1, Address.Length: 4 }) qm.PeerOriginalAddress = new IPAddress(natOa.Address);

        var reply = new List<Payload>();
        byte[] ourSpi = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(ourSpi, qm.InboundSpi);
        reply.Add(new SecurityAssociationPayload(sa.Doi, sa.Situation, [new Proposal(chosenProposal.Number, ProtocolId.Esp, ourSpi, [chosenTransform!])]));
        reply.Add(new NoncePayload(qm.NonceR));
        if (ke is not null)
        {
            using var dh = DiffieHellmanGroups.Create(chosen.PfsGroup!.Value, _options.Random);
            try { qm.PfsSecret = dh.DeriveSharedSecret(ke.Data); }
            catch (ArgumentException) { SendInformational(actions, 17, ProtocolId.Esp, []); _quickModes.Remove(qm.MessageId); return; }
            reply.Add(new KeyExchangePayload(dh.PublicValue.ToArray()));
        }
        if (ids.Count == 2) { reply.Add(ids[0]); reply.Add(ids[1]); }
        if (asked != qm.LifetimeSeconds)
            reply.Add(new NotificationPayload(1, ProtocolId.Esp, NotifyResponderLifetime, chosenProposal.Spi,
                LifetimeAttributes(qm.LifetimeSeconds)));
        byte[] restBytes = PayloadCodec.EncodeChain(reply, out _);
        byte[] hash2 = Phase2Keys.Hash2(Prf, _keys!.SkeyIdA, qm.MessageId, qm.NonceI, restBytes);
        reply.Insert(0, new HashPayload(hash2));
        SendEncrypted(actions, ExchangeType.QuickMode, qm.MessageId, ref qm.Iv, reply);
        qm.Reply = actions.OfType<SendDatagram>().Last().Data;
        _quickModes[qm.MessageId] = qm;
        actions.Add(Log("info", "quick mode proposal chosen", ("proposal", chosen), ("pfs", chosen.PfsGroup),
            ("udp_encapsulation", udpEncapsulated), ("lifetime_s", qm.LifetimeSeconds)));
    }

    private void OnQuickModeThird(QuickMode qm, List<IkeAction> actions)
    {
        var p = qm.Proposal!;
        int length = p.EncryptionKeyBytes + p.IntegrityKeyBytes;
        // RFC 2409 §5.5: each direction's KEYMAT uses the SPI its receiver chose.
        byte[] inbound = Phase2Keys.KeyMaterial(Prf, _keys!.SkeyIdD, qm.PfsSecret, 3, qm.InboundSpi, qm.NonceI, qm.NonceR, length);
        byte[] outbound = Phase2Keys.KeyMaterial(Prf, _keys.SkeyIdD, qm.PfsSecret, 3, qm.OutboundSpi, qm.NonceI, qm.NonceR, length);
        bool udp = NatT != NatTVersion.None && (PeerBehindNat || SelfBehindNat);
        var child = new ChildSaKeys(Cookies.Initiator, Peer, Local, udp, qm.PeerOriginalAddress, qm.InboundSpi, qm.OutboundSpi, p,
            inbound[..p.EncryptionKeyBytes], inbound[p.EncryptionKeyBytes..],
            outbound[..p.EncryptionKeyBytes], outbound[p.EncryptionKeyBytes..], qm.LifetimeSeconds);
        CryptographicOperations.ZeroMemory(inbound);
        CryptographicOperations.ZeroMemory(outbound);
        qm.Done = true;
        qm.Dispose();
        _quickModes.Remove(qm.MessageId);
        Children.Add(child);
        actions.Add(new InstallChildSa(child));
        actions.Add(Log("info", "ESP SAs established", ("peer", Peer), ("spi_in", $"{qm.InboundSpi:x8}"), ("spi_out", $"{qm.OutboundSpi:x8}"),
            ("proposal", p), ("udp_encapsulation", udp)));
    }

    private void OnInformational(IsakmpHeader header, byte[] message, List<IkeAction> actions)
    {
        byte[] iv = Phase1Iv.ForExchange(Prf, _lastPhase1Block, header.MessageId, Chosen!.BlockSize);
        var plain = _cipher!.Decrypt(ref iv, message.AsSpan(IsakmpHeader.Size, (int)header.Length - IsakmpHeader.Size));
        if (plain is null || PayloadCodec.TryDecodeChain(header.NextPayload, plain, true, out var payloads, out var extents) != DecodeError.None
            || payloads.Count < 2 || payloads[0] is not HashPayload hash)
        {
            actions.Add(Log("debug", "malformed informational message dropped"));
            return;
        }
        byte[] expected = Phase2Keys.InformationalHash(Prf, _keys!.SkeyIdA, header.MessageId, ChainBytes.AfterFirst(plain, extents));
        if (!CryptographicOperations.FixedTimeEquals(expected, hash.Data))
        {
            actions.Add(Log("warn", "informational HASH mismatch; dropped", ("peer", Peer)));
            return;
        }
        _authenticated = true;
        foreach (var payload in payloads.Skip(1))
        {
            switch (payload)
            {
                case NotificationPayload { MessageType: NotifyRUThere } n:
                    SendInformational(actions, NotifyRUThereAck, ProtocolId.Isakmp, n.Spi, n.Data);
                    break;
                case DeletePayload { Protocol: ProtocolId.Isakmp } d when !d.Spis.Any(spi => spi.AsSpan().SequenceEqual([.. Cookies.InitiatorBytes, .. Cookies.ResponderBytes])):
                    // After a phase-1 rekey a client deletes its old IKE SA through the new one.
                    foreach (var spi in d.Spis.Where(spi => spi.Length == 16))
                        actions.Add(new IkeSaDeleteRequest(BinaryPrimitives.ReadUInt64BigEndian(spi), BinaryPrimitives.ReadUInt64BigEndian(spi.AsSpan(8))));
                    break;
                case DeletePayload { Protocol: ProtocolId.Isakmp }:
                    actions.Add(Log("info", "peer deleted the IKE SA", ("peer", Peer)));
                    foreach (var c in Children) actions.Add(new RemoveChildSa(c.InboundSpi, c.OutboundSpi, "IKE SA deleted by peer"));
                    Children.Clear();
                    State = SaState.Dead;
                    break;
                case DeletePayload { Protocol: ProtocolId.Esp } d:
                    foreach (var spi in d.Spis.Where(s => s.Length == 4).Select(s => BinaryPrimitives.ReadUInt32BigEndian(s)))
                    {
                        var child = Children.FirstOrDefault(c => c.OutboundSpi == spi || c.InboundSpi == spi);
                        if (child is null)
                        {
                            actions.Add(Log("debug", "delete for an ESP SA we do not have; ignored", ("spi", $"{spi:x8}")));
                            continue;
                        }
                        Children.Remove(child);
                        actions.Add(new RemoveChildSa(child.InboundSpi, child.OutboundSpi, "deleted by peer"));
                        actions.Add(Log("info", "peer deleted ESP SAs", ("spi_in", $"{child.InboundSpi:x8}"), ("spi_out", $"{child.OutboundSpi:x8}")));
                    }
                    break;
            }
        }
    }

    /// <summary>An informational exchange of our own (new message ID), protected by HASH(1).</summary>
    private void SendInformational(List<IkeAction> actions, ushort type, ProtocolId protocol, byte[] spi, byte[]? data = null)
    {
        if (_keys is null) return;
        var notify = new NotificationPayload(1, protocol, type, spi, data ?? []);
        uint messageId = NewMessageId();
        byte[] hash = Phase2Keys.InformationalHash(Prf, _keys.SkeyIdA, messageId, PayloadCodec.EncodeChain([notify], out _));
        byte[] iv = Phase1Iv.ForExchange(Prf, _lastPhase1Block, messageId, Chosen!.BlockSize);
        SendEncrypted(actions, ExchangeType.Informational, messageId, ref iv, [new HashPayload(hash), notify]);
    }

    /// <summary>Sends our Delete for the IKE SA and its ESP SAs (admin disconnect, shutdown).</summary>
    public List<IkeAction> Delete(string reason) => Outgoing(DeleteCore(reason));

    private List<IkeAction> DeleteCore(string reason)
    {
        var actions = new List<IkeAction>();
        if (State != SaState.Established) { State = SaState.Dead; return actions; }
        foreach (var c in Children)
        {
            byte[] spi = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(spi, c.InboundSpi);
            SendDelete(actions, new DeletePayload(1, ProtocolId.Esp, 4, [spi]));
            actions.Add(new RemoveChildSa(c.InboundSpi, c.OutboundSpi, reason));
        }
        Children.Clear();
        byte[] cookies = [.. Cookies.InitiatorBytes, .. Cookies.ResponderBytes];
        SendDelete(actions, new DeletePayload(1, ProtocolId.Isakmp, 16, [cookies]));
        actions.Add(Log("info", "IKE SA deleted", ("peer", Peer), ("reason", reason)));
        State = SaState.Dead;
        return actions;
    }

    private void SendDelete(List<IkeAction> actions, DeletePayload delete)
    {
        uint messageId = NewMessageId();
        byte[] hash = Phase2Keys.InformationalHash(Prf, _keys!.SkeyIdA, messageId, PayloadCodec.EncodeChain([delete], out _));
        byte[] iv = Phase1Iv.ForExchange(Prf, _lastPhase1Block, messageId, Chosen!.BlockSize);
        SendEncrypted(actions, ExchangeType.Informational, messageId, ref iv, [new HashPayload(hash), delete]);
    }

    private void SendEncrypted(List<IkeAction> actions, ExchangeType exchange, uint messageId, ref byte[] iv, List<Payload> payloads)
    {
        var header = new IsakmpHeader(Cookies.Initiator, Cookies.Responder, PayloadType.None, 0x10, exchange, IsakmpFlags.Encryption, messageId, 0);
        byte[] body = PayloadCodec.EncodeChain(payloads, out var first);
        byte[] encrypted = _cipher!.Encrypt(ref iv, body);
        actions.Add(new SendDatagram(IkeMessage.EncodeEncrypted(header, first, encrypted), Peer, Local, OnNatTraversalPort));
    }

    /// <summary>Our side must be UDP port 1701 (or any UDP port, which clients send as port 0).</summary>
    private bool ProtectsL2tp(IdentificationPayload ourSide) =>
        ourSide.ProtocolId == 17 && (ourSide.Port == _options.ProtectedPort || ourSide.Port == 0);

    /// <summary>Transport mode, UDP-encapsulated exactly when a NAT was detected (RFC 3947 §5.1:
    /// mode 4; the drafts' 61444).</summary>
    private static bool ModeFits(ushort mode, bool udp) =>
        udp ? mode is EncapsulationUdpTransportRfc or EncapsulationUdpTransportDraft : mode == EncapsulationTransport;

    private static byte[] LifetimeAttributes(uint seconds)
    {
        // SA Life Type = seconds (TV), SA Life Duration (TLV, 4 bytes), RFC 2407 §4.5.
        var b = new byte[4 + 8];
        BinaryPrimitives.WriteUInt16BigEndian(b, 0x8001);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8), seconds);
        return b;
    }

    private uint NewSpi()
    {
        Span<byte> b = stackalloc byte[4];
        uint spi;
        do { _options.Random.Fill(b); spi = BinaryPrimitives.ReadUInt32BigEndian(b); } while (spi < 256); // 1-255 are reserved (RFC 4303 §2.1)
        return spi;
    }

    private uint NewMessageId()
    {
        Span<byte> b = stackalloc byte[4];
        uint id;
        do { _options.Random.Fill(b); id = BinaryPrimitives.ReadUInt32BigEndian(b); } while (id == 0);
        return id;
    }
}
