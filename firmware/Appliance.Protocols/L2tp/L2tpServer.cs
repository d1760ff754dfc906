using System.Buffers.Binary;
using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.L2tp;

/// <summary>
/// The L2TPv2 LNS (RFC 2661) for the whole box: routes each datagram that arrived on our UDP 1701
/// to its tunnel by the tunnel id in the header, starts tunnels on SCCRQ, keeps the limits, and
/// counts every dropped datagram by reason. Input is (bytes, peer, now); output is actions. Not
/// thread-safe: one task calls it.
/// </summary>
public sealed class L2tpServer
{
    /// <summary>
    /// Room above <see cref="L2tpServerOptions.MaxTunnels"/> for tunnels that are only being
    /// refused or closed (each holds a StopCCN until acknowledged); past it, SCCRQs are dropped.
    /// </summary>
    private const int ClosingSlack = 64;

    private readonly Dictionary<ushort, L2tpTunnel> _tunnels = [];
    private readonly Dictionary<(L2tpPeer Peer, ushort PeerTunnelId), L2tpTunnel> _byOrigin = [];
    private readonly Dictionary<string, long> _drops = new(StringComparer.Ordinal);

    public L2tpServer(L2tpServerOptions options, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        options.Validate();
        Options = options;
        Random = random;
        Secret = options.TunnelSecret is { Length: > 0 } secret ? (byte[])secret.Clone() : null;
    }

    internal L2tpServerOptions Options { get; }
    internal IRandomSource Random { get; }
    internal byte[]? Secret { get; }

    /// <summary>Dropped datagrams and ignored messages, by reason.</summary>
    public IReadOnlyDictionary<string, long> Drops => _drops;

    /// <summary>Tunnels being set up or established (not those closing).</summary>
    public int TunnelCount => _tunnels.Values.Count(t => t.IsActive);

    public int SessionCount => _tunnels.Values.Where(t => t.IsActive).Sum(t => t.SessionCount);

    /// <summary>Tunnels being set up or established, with their sessions, oldest first.</summary>
    public IReadOnlyList<L2tpTunnelStatus> Tunnels =>
        _tunnels.Values.Where(t => t.IsActive).OrderBy(t => t.Created).ThenBy(t => t.Id).Select(t => t.Status()).ToList();

    /// <summary>A control or data datagram that arrived on our UDP 1701 (inside IPsec).</summary>
    public List<L2tpAction> Receive(ReadOnlySpan<byte> datagram, L2tpPeer peer, DateTimeOffset now)
    {
        var actions = new List<L2tpAction>();
        var error = L2tpHeader.TryDecode(datagram, out var header);
        if (error != L2tpHeaderError.None) return Drop(actions, "header: " + L2tpHeader.Describe(error));
        if (!header.IsControl) return ReceiveData(datagram, header, peer, now, actions);

        byte[] message = datagram[..header.MessageLength].ToArray();
        if (header.TunnelId == 0) return ReceiveStartRequest(message, header, peer, now, actions);
        if (!_tunnels.TryGetValue(header.TunnelId, out var tunnel)) return Drop(actions, "control: unknown tunnel");
        if (!Owns(tunnel, peer, actions)) return Drop(actions, "control: tunnel of another peer");
        tunnel.Receive(header, message, now, actions);
        Reap(tunnel);
        return actions;
    }

    /// <summary>Retransmissions, HELLOs, call timeouts, the end of closing tunnels. Call it every ~250 ms.</summary>
    public List<L2tpAction> Tick(DateTimeOffset now)
    {
        var actions = new List<L2tpAction>();
        foreach (var tunnel in _tunnels.Values.ToList())
        {
            tunnel.Tick(now, actions);
            Reap(tunnel);
        }
        return actions;
    }

    /// <summary>Ends one call with a CDN (result 3, administrative; <paramref name="reason"/> as its message).</summary>
    public List<L2tpAction> CloseSession(ushort tunnelId, ushort sessionId, string reason, DateTimeOffset now)
    {
        var actions = new List<L2tpAction>();
        if (_tunnels.TryGetValue(tunnelId, out var tunnel)) tunnel.CloseSession(sessionId, reason, now, actions);
        return actions;
    }

    /// <summary>Ends a tunnel and its calls with a StopCCN (result 1, general request to clear).</summary>
    public List<L2tpAction> CloseTunnel(ushort tunnelId, string reason, DateTimeOffset now)
    {
        var actions = new List<L2tpAction>();
        if (_tunnels.TryGetValue(tunnelId, out var tunnel))
        {
            tunnel.Close(reason, now, actions);
            Reap(tunnel);
        }
        return actions;
    }

    /// <summary>
    /// Forgets every tunnel that came through an IPsec SA that is gone: those with the same
    /// carrier, or when <c>peer.Carrier</c> is 0, those from the same address. Nothing is sent (no
    /// SA could carry it); the sessions and tunnels are reported down.
    /// </summary>
    public List<L2tpAction> CloseTunnelsOf(L2tpPeer peer, string reason)
    {
        var actions = new List<L2tpAction>();
        foreach (var tunnel in _tunnels.Values.Where(t => peer.Carrier != 0
                     ? t.Peer.Carrier == peer.Carrier
                     : t.Peer.Remote.Address.Equals(peer.Remote.Address)).ToList())
        {
            tunnel.Forget(reason, actions);
            Reap(tunnel);
        }
        return actions;
    }

    /// <summary>
    /// An IPsec SA was replaced by a new one (Quick Mode rekey): tunnels carried by the old one
    /// now send through the new one and accept datagrams from it. Returns how many moved.
    /// </summary>
    public int ReplaceCarrier(ulong oldCarrier, ulong newCarrier)
    {
        int moved = 0;
        foreach (var tunnel in _tunnels.Values.Where(t => t.Peer.Carrier == oldCarrier))
        {
            tunnel.Peer = tunnel.Peer with { Carrier = newCarrier };
            moved++;
        }
        return moved;
    }

    private List<L2tpAction> ReceiveStartRequest(byte[] message, L2tpHeader header, L2tpPeer peer, DateTimeOffset now, List<L2tpAction> actions)
    {
        L2tpControlMessage.TryParse(message, Secret, out _, out var parsed);
        if (parsed is null || parsed.IsZeroLengthBody) return Drop(actions, "control: ZLB for tunnel 0");
        if (parsed.MessageType != (ushort)L2tpMessageType.StartControlConnectionRequest)
            return Drop(actions, "control: tunnel 0 but not SCCRQ");
        if (parsed.UInt16(L2tpAvpType.AssignedTunnelId) is not { } peerTunnelId || peerTunnelId == 0)
            return Drop(actions, "control: SCCRQ without Assigned Tunnel ID");

        // A retransmitted SCCRQ (same endpoint, same SA, same tunnel id of theirs) goes to the
        // tunnel it created, where it is a duplicate: acknowledged, not a second tunnel. Once
        // that tunnel is closing or lingering, the same origin means the peer is dialling again
        // (Windows uses tunnel id 1 from port 1701 every time): the old tunnel keeps its id for
        // the acknowledgements it still owes, the new call gets a tunnel of its own.
        if (_byOrigin.TryGetValue((peer, peerTunnelId), out var existing))
        {
            if (existing.IsActive)
            {
                existing.Receive(header, message, now, actions);
                Reap(existing);
                return actions;
            }
            _byOrigin.Remove((peer, peerTunnelId));
        }
        if (_tunnels.Count >= Options.MaxTunnels + ClosingSlack)
        {
            actions.Add(new L2tpLog("warn", "L2TP SCCRQ dropped: tunnel table full", [("peer", peer.Remote)]));
            return Drop(actions, "control: tunnel table full");
        }

        // Over the limit, the tunnel still exists long enough to deliver its StopCCN.
        bool overLimit = TunnelCount >= Options.MaxTunnels;
        var tunnel = new L2tpTunnel(this, NewTunnelId(), peer, peerTunnelId, now, header.Ns);
        _tunnels.Add(tunnel.Id, tunnel);
        _byOrigin.Add(tunnel.Origin, tunnel);
        tunnel.Start(parsed, overLimit, now, actions);
        Reap(tunnel);
        return actions;
    }

    private List<L2tpAction> ReceiveData(ReadOnlySpan<byte> datagram, L2tpHeader header, L2tpPeer peer, DateTimeOffset now, List<L2tpAction> actions)
    {
        if (!_tunnels.TryGetValue(header.TunnelId, out var tunnel)) return Drop(actions, "data: unknown tunnel");
        if (!Owns(tunnel, peer, actions)) return Drop(actions, "data: tunnel of another peer");
        if (!tunnel.TryGetConnectedSession(header.SessionId, out var session)) return Drop(actions, "data: no connected session");
        if (header.PayloadOffset >= header.MessageLength) return Drop(actions, "data: empty");
        tunnel.LastReceived = now;
        actions.Add(new L2tpPppFrame(tunnel.Id, session.Id, datagram[header.PayloadOffset..header.MessageLength].ToArray()));
        return actions;
    }

    /// <summary>
    /// Whether a datagram for this tunnel may come from <paramref name="peer"/>. The UDP endpoint
    /// must match. A different carrier means the IPsec SA was rekeyed; it is followed only when no
    /// other tunnel comes from the same endpoint (else two clients behind one NAT, both on 1701,
    /// could not be told apart: the host must call <see cref="ReplaceCarrier"/>).
    /// </summary>
    private bool Owns(L2tpTunnel tunnel, L2tpPeer peer, List<L2tpAction> actions)
    {
        if (!tunnel.Peer.Remote.Equals(peer.Remote)) return false;
        if (tunnel.Peer.Carrier == peer.Carrier) return true;
        if (_tunnels.Values.Any(t => t != tunnel && t.Peer.Remote.Equals(peer.Remote))) return false;
        actions.Add(new L2tpLog("info", "L2TP tunnel moved to a new IPsec SA", [("peer", peer.Remote), ("tunnel", tunnel.Id)]));
        tunnel.Peer = tunnel.Peer with { Carrier = peer.Carrier };
        return true;
    }

    private void Reap(L2tpTunnel tunnel)
    {
        if (tunnel.State != L2tpTunnelState.Dead) return;
        _tunnels.Remove(tunnel.Id);
        if (_byOrigin.TryGetValue(tunnel.Origin, out var mapped) && mapped == tunnel) _byOrigin.Remove(tunnel.Origin);
    }

    /// <summary>Random, non-zero, not in use: ids that are hard to guess make blind injection harder.</summary>
    private ushort NewTunnelId() => NewId(id => _tunnels.ContainsKey(id));

    /// <summary>Unique across all tunnels, not only within one: on the kernel datapath, clients
    /// behind one NAT share one 4-tuple and so one tunnel socket, and a 6.1 kernel looks a data
    /// packet's session up by session id in the tunnel that owns the socket. A second client's
    /// session id must never name the first client's kernel session.</summary>
    internal ushort NewSessionId(L2tpTunnel tunnel) => NewId(id => tunnel.HasSession(id) || _tunnels.Values.Any(t => t.HasSession(id)));

    private ushort NewId(Func<ushort, bool> inUse)
    {
        Span<byte> bytes = stackalloc byte[2];
        for (int attempt = 0; attempt < 32; attempt++)
        {
            Random.Fill(bytes);
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(bytes);
            if (id != 0 && !inUse(id)) return id;
        }
        // A random source that keeps repeating itself (or a nearly full table): walk from there.
        Random.Fill(bytes);
        ushort start = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        for (int step = 0; step < 0x10000; step++)
        {
            ushort id = (ushort)(start + step);
            if (id != 0 && !inUse(id)) return id;
        }
        throw new InvalidOperationException("No free L2TP id.");
    }

    internal void Count(string reason) => _drops[reason] = _drops.GetValueOrDefault(reason) + 1;

    private List<L2tpAction> Drop(List<L2tpAction> actions, string reason)
    {
        Count(reason);
        return actions;
    }
}
