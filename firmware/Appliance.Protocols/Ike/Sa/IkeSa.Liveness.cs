using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>
/// Whether the peer is still there, and whether this IKE SA may still live: dead peer detection
/// from our side (RFC 3706: R-U-THERE after a quiet interval, to peers that announced DPD) and
/// the phase-1 lifetime. Any authenticated message from the peer counts as a sign of life.
/// </summary>
internal sealed partial class IkeSa
{
    private const ushort NotifyRUThereOurs = 36136;
    private DateTimeOffset _lastHeard;
    private DateTimeOffset? _establishedAt;
    private DateTimeOffset? _lastProbe;
    private uint _probeSequence;

    /// <summary>True when the message just handled proved to come from the peer.</summary>
    public bool LastMessageAuthenticated => _authenticated;

    public DateTimeOffset LastHeard => _lastHeard;

    /// <summary>The dispatcher saw an authenticated message from the peer at <paramref name="now"/>.</summary>
    public void Heard(DateTimeOffset now)
    {
        _lastHeard = now;
        _lastProbe = null;
        if (State == SaState.Established) _establishedAt ??= now;
    }

    /// <summary>True once the negotiated phase-1 lifetime has run out.</summary>
    public bool Expired(DateTimeOffset now) =>
        _establishedAt is { } t && Chosen is { LifetimeSeconds: > 0 } p && now - t >= TimeSpan.FromSeconds(p.LifetimeSeconds);

    /// <summary>True when a DPD-capable peer stayed silent for the whole DPD timeout.</summary>
    public bool PeerDead(DateTimeOffset now) =>
        State == SaState.Established && PeerDoesDpd && _options.DpdInterval > TimeSpan.Zero && now - _lastHeard >= _options.DpdTimeout;

    /// <summary>After a quiet DPD interval, an R-U-THERE (and another every retry interval until
    /// the peer answers or the timeout declares it dead). Nothing for peers without DPD (Windows).</summary>
    public List<IkeAction> ProbeIfQuiet(DateTimeOffset now)
    {
        var actions = new List<IkeAction>();
        if (State != SaState.Established || !PeerDoesDpd || _options.DpdInterval <= TimeSpan.Zero) return actions;
        if (now - _lastHeard < _options.DpdInterval) return actions;
        if (_lastProbe is { } last && now - last < _options.DpdRetryInterval) return actions;
        _lastProbe = now;
        _probeSequence++;
        byte[] sequence = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(sequence, _probeSequence);
        SendInformational(actions, NotifyRUThereOurs, ProtocolId.Isakmp, [.. Cookies.InitiatorBytes, .. Cookies.ResponderBytes], sequence);
        actions.Add(Log("debug", "DPD R-U-THERE sent", ("peer", Peer), ("sequence", _probeSequence)));
        return actions;
    }

    /// <summary>Hands this SA's ESP pairs to <paramref name="successor"/> (the peer's newer IKE SA):
    /// in IKEv1 ESP SAs do not die with the ISAKMP SA that negotiated them (RFC 2409 §5.5),
    /// and a client that re-authenticates keeps using them.</summary>
    public int HandChildrenTo(IkeSa successor)
    {
        int n = Children.Count;
        successor.Children.AddRange(Children);
        Children.Clear();
        return n;
    }

    /// <summary>Forgets this SA without telling the peer (it is dead, or replaced).</summary>
    public List<IkeAction> Abandon(string reason)
    {
        var actions = new List<IkeAction>();
        foreach (var c in Children) actions.Add(new RemoveChildSa(c.InboundSpi, c.OutboundSpi, reason));
        Children.Clear();
        State = SaState.Dead;
        return actions;
    }
}
