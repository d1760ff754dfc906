using System.Buffers.Binary;
using System.Net;
using Appliance.Protocols.Ike.Fragments;
using Appliance.Protocols.Ike.Keys;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>
/// The IKEv1 responder: routes each datagram to its SA by cookies, starts an SA on Main Mode
/// message 1, limits half-open SAs per source and in total, expires the ones that stall, and
/// counts every dropped datagram by reason. Input is (bytes, addresses, now); output is actions.
/// IKEv1 fragments (payload 132) of an existing SA, from its peer's address, are put back together
/// first (<see cref="FragmentReassembler"/>) and the whole message then takes the normal path.
/// </summary>
public sealed class IkeResponder(IkeResponderOptions options) : IDisposable
{
    /// <summary>Options for SAs started from now on (a PSK change does not cut established ones).</summary>
    public IkeResponderOptions Options { get; set; } = options;

    private readonly Dictionary<(ulong Initiator, ulong Responder), IkeSa> _sas = [];
    // Main Modes in progress, by initiator cookie: a Main Mode 1 is checked against these only
    // (retransmission, half-open limits), so its cost does not grow with established SAs.
    private readonly Dictionary<ulong, List<IkeSa>> _halfOpen = [];
    private int _halfOpenCount;
    private readonly Dictionary<string, long> _drops = new(StringComparer.Ordinal);
    private readonly FragmentReassembler _fragments = new();

    public IReadOnlyDictionary<string, long> Drops => _drops;
    public int SaCount => _sas.Count;
    public int EstablishedCount => _sas.Values.Count(s => s.State == SaState.Established);
    /// <summary>Fragmented messages being put together, and their bytes so far.</summary>
    public int FragmentedInProgress => _fragments.InProgress;
    public int FragmentBytesBuffered => _fragments.BufferedBytes;

    /// <summary>One IKE datagram (for 4500, without the non-ESP marker).</summary>
    public List<IkeAction> Receive(ReadOnlySpan<byte> datagram, IPEndPoint from, IPEndPoint local, bool natTraversalPort, DateTimeOffset now)
    {
        var error = IsakmpHeader.TryDecode(datagram, out var header);
        if (error != DecodeError.None) return Drop("header: " + error);
        byte[] message = datagram[..(int)header.Length].ToArray();
        // Only the carrier says 132: an encrypted message names its first inner payload there,
        // and no payload inside one is a fragment. Some senders leave the E flag of the SA on the
        // carrier (racoon), so the flag is not judged.
        if (header.NextPayload == PayloadType.Fragment) return OnFragment(header, message, from, local, natTraversalPort, now);
        return OnWholeMessage(header, message, from, local, natTraversalPort, now);
    }

    private List<IkeAction> OnWholeMessage(IsakmpHeader header, byte[] message, IPEndPoint from, IPEndPoint local, bool natTraversalPort, DateTimeOffset now)
    {

        if (header.ResponderCookie == 0)
        {
            if (header.Exchange == ExchangeType.Aggressive)
                return Drop("aggressive mode", new IkeLog("warn",
                    "aggressive mode refused: it exposes a hash of the pre-shared key to offline cracking",
                    [("peer", from)]));
            if (header.Exchange != ExchangeType.IdentityProtection || header.Flags != IsakmpFlags.None || header.MessageId != 0)
                return Drop("not a main mode start");
            // A retransmitted message 1 finds the SA it created and gets the same answer.
            var existing = _halfOpen.TryGetValue(header.InitiatorCookie, out var same)
                ? same.FirstOrDefault(s => s.Peer.Address.Equals(from.Address)) : null;
            if (existing is not null) return existing.OnMessage(header, message, from, local, natTraversalPort, now);
            return Start(header, message, from, local, now);
        }
        if (!_sas.TryGetValue((header.InitiatorCookie, header.ResponderCookie), out var sa))
            return Drop("unknown cookies");
        if (!sa.Peer.Address.Equals(from.Address) && sa.State != SaState.Established)
            return Drop("cookies from another address");
        var actions = sa.OnMessage(header, message, from, local, natTraversalPort, now);
        if (sa.LastMessageAuthenticated) sa.Heard(now);
        foreach (var contact in actions.OfType<IkeInitialContact>().ToList())
            actions.AddRange(RemoveOlder(contact, sa));
        foreach (var request in actions.OfType<IkeSaDeleteRequest>().ToList())
        {
            if (_sas.TryGetValue((request.InitiatorCookie, request.ResponderCookie), out var named) && named != sa
                && named.Peer.Address.Equals(sa.Peer.Address))
            {
                // The client re-authenticated and retires the old ISAKMP SA through the new one:
                // its ESP SAs stay (RFC 2409 §5.5) and belong to the new IKE SA from now on.
                int n = named.HandChildrenTo(sa);
                actions.Add(new IkeLog("info", "peer deleted an older IKE SA", [("peer", named.Peer), ("esp_pairs_kept", n)]));
                Remove(named);
            }
            else Drop("delete for an unknown IKE SA");
        }
        if (sa.State == SaState.Dead) Remove(sa);
        else if (sa.State == SaState.Established) ForgetHalfOpen(sa);
        return actions;
    }

    private void ForgetHalfOpen(IkeSa sa)
    {
        if (!_halfOpen.TryGetValue(sa.Cookies.Initiator, out var list) || !list.Remove(sa)) return;
        _halfOpenCount--;
        if (list.Count == 0) _halfOpen.Remove(sa.Cookies.Initiator);
    }

    private List<IkeAction> Start(IsakmpHeader header, byte[] message, IPEndPoint from, IPEndPoint local, DateTimeOffset now)
    {
        if (_halfOpenCount >= Options.MaxHalfOpenTotal) return Drop("half-open limit");
        // At most MaxHalfOpenTotal entries to look at.
        if (_halfOpen.Values.Sum(l => l.Count(s => s.Peer.Address.Equals(from.Address))) >= Options.MaxHalfOpenPerPeer)
            return Drop("half-open limit per peer");
        var chainError = PayloadCodec.TryDecodeChain(header.NextPayload, message.AsSpan(IsakmpHeader.Size), false, out var payloads, out var extents);
        if (chainError != DecodeError.None) return Drop("payloads: " + chainError);
        Span<byte> cookie = stackalloc byte[8];
        ulong responderCookie;
        do { Options.Random.Fill(cookie); responderCookie = BinaryPrimitives.ReadUInt64BigEndian(cookie); }
        while (responderCookie == 0 || _sas.ContainsKey((header.InitiatorCookie, responderCookie)));
        var sa = new IkeSa(new Cookies(header.InitiatorCookie, responderCookie), from, local, Options, now);
        var actions = sa.OnFirstMessage(header, payloads, extents, message.AsSpan(IsakmpHeader.Size), message);
        if (sa.State == SaState.Dead) sa.Dispose();
        else
        {
            _sas[(header.InitiatorCookie, responderCookie)] = sa;
            if (!_halfOpen.TryGetValue(header.InitiatorCookie, out var list)) _halfOpen[header.InitiatorCookie] = list = [];
            list.Add(sa);
            _halfOpenCount++;
        }
        return actions;
    }

    /// <summary>
    /// A fragment: kept if it belongs to an SA we have and comes from its peer's address (so
    /// that nobody can make us buffer for SAs that do not exist), and once the message is whole it
    /// is handled as if it had come in one datagram.
    /// </summary>
    private List<IkeAction> OnFragment(IsakmpHeader header, byte[] message, IPEndPoint from, IPEndPoint local, bool natTraversalPort, DateTimeOffset now)
    {
        var key = (header.InitiatorCookie, header.ResponderCookie);
        if (header.ResponderCookie == 0 || !_sas.TryGetValue(key, out var sa)) return Drop("fragment: unknown cookies");
        if (!sa.Peer.Address.Equals(from.Address)) return Drop("fragment: from another address");
        if (PayloadCodec.TryDecodeChain(header.NextPayload, message.AsSpan(IsakmpHeader.Size), false, out var payloads) != DecodeError.None
            || payloads is not [FragmentPayload fragment])
            return Drop("fragment: malformed");
        sa.PeerSentFragments();
        byte[]? whole = _fragments.Add(key, from.Address, fragment, now, out string? dropped);
        if (dropped is not null) return Drop("fragment: " + dropped);
        if (whole is null) return [];
        if (IsakmpHeader.TryDecode(whole, out var inner) != DecodeError.None)
            return Drop("fragment: reassembled message malformed");
        if (inner.InitiatorCookie != header.InitiatorCookie || inner.ResponderCookie != header.ResponderCookie)
            return Drop("fragment: reassembled message of another SA");
        if (inner.NextPayload == PayloadType.Fragment) return Drop("fragment: nested fragments");
        return OnWholeMessage(inner, whole[..(int)inner.Length], from, local, natTraversalPort, now);
    }

    /// <summary>Call it every few seconds: expires half-open SAs that stalled and fragments never
    /// completed, probes quiet DPD peers and clears dead ones, and ends IKE SAs whose phase-1
    /// lifetime ran out.</summary>
    public List<IkeAction> Tick(DateTimeOffset now)
    {
        var actions = new List<IkeAction>();
        if (_fragments.Expire(now) is > 0 and var expired)
            actions.Add(new IkeLog("debug", "incomplete fragmented messages expired", [("count", expired)]));
        foreach (var sa in _sas.Values.ToList())
        {
            if (sa.State is SaState.AwaitingKeyExchange or SaState.AwaitingIdentity)
            {
                if (now - sa.Created <= Options.HalfOpenTimeout) continue;
                actions.Add(new IkeLog("debug", "half-open IKE SA expired", [("peer", sa.Peer)]));
                Remove(sa);
            }
            else if (sa.PeerDead(now))
            {
                actions.Add(new IkeLog("info", "peer is dead (no answer to DPD); its SAs are cleared",
                    [("peer", sa.Peer), ("silent_s", (long)(now - sa.LastHeard).TotalSeconds)]));
                actions.AddRange(sa.Abandon("peer dead (DPD)"));
                Remove(sa);
            }
            else if (sa.Expired(now))
            {
                if (Successor(sa) is { } successor)
                {
                    int n = sa.HandChildrenTo(successor);
                    actions.Add(new IkeLog("info", "IKE SA lifetime ended; its ESP SAs continue under the newer IKE SA",
                        [("peer", sa.Peer), ("esp_pairs", n)]));
                }
                actions.AddRange(sa.Delete("IKE SA lifetime ended"));
                Remove(sa);
            }
            else actions.AddRange(sa.ProbeIfQuiet(now));
        }
        return actions;
    }

    /// <summary>The newest other established IKE SA of the same peer (address, port and identity):
    /// the one a re-authenticating client moved to.</summary>
    private IkeSa? Successor(IkeSa sa) =>
        _sas.Values.Where(s => s != sa && s.State == SaState.Established && s.Peer.Equals(sa.Peer)
                && s.PeerIdentity is { } id && sa.PeerIdentity is { } old && id.AsSpan().SequenceEqual(old))
            .MaxBy(s => s.Created);

    /// <summary>Deletes every established SA (shutdown, PSK change), telling the peers.</summary>
    public List<IkeAction> DeleteAll(string reason)
    {
        var actions = new List<IkeAction>();
        foreach (var sa in _sas.Values.ToList())
        {
            actions.AddRange(sa.Delete(reason));
            Remove(sa);
        }
        return actions;
    }

    /// <summary>An ESP SA of ours reached its hard lifetime in the datapath: the IKE SA that owns
    /// it tells the peer and forgets the pair. Unknown SPIs (already deleted) cost nothing.</summary>
    public List<IkeAction> ExpireChild(uint inboundSpi, string reason)
    {
        foreach (var sa in _sas.Values)
            if (sa.Children.Any(c => c.InboundSpi == inboundSpi))
                return sa.ExpireChild(inboundSpi, reason);
        return [];
    }

    /// <summary>The layers above ended this client's session: its IKE SAs are deleted (with their
    /// ESP SAs), telling the client, so nothing of the chain is left.</summary>
    public List<IkeAction> DeletePeer(IPEndPoint peer, string reason)
    {
        var actions = new List<IkeAction>();
        foreach (var sa in _sas.Values.Where(s => s.Peer.Equals(peer)).ToList())
        {
            actions.AddRange(sa.Delete(reason));
            Remove(sa);
        }
        return actions;
    }

    private List<IkeAction> RemoveOlder(IkeInitialContact contact, IkeSa keep)
    {
        var actions = new List<IkeAction>();
        foreach (var old in _sas.Values.Where(s => s != keep && s.Peer.Address.Equals(contact.PeerAddress)
                     && s.PeerIdentity is { } id && id.AsSpan().SequenceEqual(contact.PeerIdentity)).ToList())
        {
            foreach (var c in old.Children) actions.Add(new RemoveChildSa(c.InboundSpi, c.OutboundSpi, "INITIAL-CONTACT from the peer"));
            actions.Add(new IkeLog("info", "older IKE SA of the peer removed (INITIAL-CONTACT)", [("peer", old.Peer)]));
            Remove(old);
        }
        return actions;
    }

    private void Remove(IkeSa sa)
    {
        _sas.Remove((sa.Cookies.Initiator, sa.Cookies.Responder));
        _fragments.Forget((sa.Cookies.Initiator, sa.Cookies.Responder));
        ForgetHalfOpen(sa);
        sa.Dispose();
    }

    private List<IkeAction> Drop(string reason, IkeLog? log = null)
    {
        _drops[reason] = _drops.GetValueOrDefault(reason) + 1;
        return log is null ? [] : [log];
    }

    public void Dispose()
    {
        foreach (var sa in _sas.Values) sa.Dispose();
        _sas.Clear();
        _halfOpen.Clear();
        _halfOpenCount = 0;
    }
}
