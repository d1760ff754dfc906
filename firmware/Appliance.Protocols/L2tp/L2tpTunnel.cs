using System.Globalization;

namespace Appliance.Protocols.L2tp;

internal enum L2tpTunnelState
{
    /// <summary>SCCRP sent, waiting for SCCCN.</summary>
    WaitConnected,
    Established,
    /// <summary>We sent StopCCN and wait for its acknowledgement.</summary>
    Closing,
    /// <summary>Either StopCCN is through (the peer's, or ours acknowledged); we stay a retransmission
    /// cycle to acknowledge the peer's resends (§5.7), acting on nothing.</summary>
    Lingering,
    /// <summary>Gone: the server removes it.</summary>
    Dead,
}

/// <summary>
/// One control connection and its sessions: the sequencing and acknowledgement policy, timers, and
/// teardown. What each message means is in L2tpTunnel.Messages.cs.
/// </summary>
internal sealed partial class L2tpTunnel
{
    private readonly L2tpServer _server;
    private readonly L2tpServerOptions _options;
    private readonly L2tpReliableChannel _channel;
    private readonly Dictionary<ushort, L2tpSession> _sessions = [];
    private DateTimeOffset _lingerUntil;

    public L2tpTunnel(L2tpServer server, ushort id, L2tpPeer peer, ushort peerId, DateTimeOffset now, ushort firstNs)
    {
        _server = server;
        _options = server.Options;
        _channel = new L2tpReliableChannel(_options, firstNs);
        Id = id;
        PeerId = peerId;
        Peer = peer;
        Origin = (peer, peerId);
        Created = now;
        LastReceived = now;
    }

    public ushort Id { get; }
    public ushort PeerId { get; }
    /// <summary>The peer as it first came; a retransmitted SCCRQ from it finds this tunnel.</summary>
    public (L2tpPeer Peer, ushort PeerTunnelId) Origin { get; }
    /// <summary>Where we send; the carrier follows an IPsec rekey.</summary>
    public L2tpPeer Peer { get; set; }
    public DateTimeOffset Created { get; }
    /// <summary>Last control or data message from the peer (the HELLO timer runs from here).</summary>
    public DateTimeOffset LastReceived { get; set; }
    public L2tpTunnelState State { get; private set; } = L2tpTunnelState.WaitConnected;
    public L2tpTunnelInfo Info { get; private set; } = new(string.Empty, null, null, 4, 0, null);
    /// <summary><see cref="L2tpTunnelUp"/> was reported, so a <see cref="L2tpTunnelDown"/> is owed.</summary>
    public bool Announced { get; private set; }

    public bool IsActive => State is L2tpTunnelState.WaitConnected or L2tpTunnelState.Established;
    public int SessionCount => _sessions.Count;
    /// <summary>How many of our messages await acknowledgement (tests check the peer's window with it).</summary>
    internal int UnacknowledgedCount => _channel.UnacknowledgedCount;

    public L2tpTunnelStatus Status() => new(Id, PeerId, Peer, State == L2tpTunnelState.Established, Info, Created,
        _sessions.Values.OrderBy(s => s.Created).Select(s => s.Status()).ToList());

    public bool HasSession(ushort sessionId) => _sessions.ContainsKey(sessionId);

    public bool TryGetConnectedSession(ushort sessionId, out L2tpSession session) =>
        _sessions.TryGetValue(sessionId, out session!) && session.Established && State == L2tpTunnelState.Established;

    /// <summary>The SCCRQ that created this tunnel.</summary>
    public void Start(L2tpControlMessage sccrq, bool overLimit, DateTimeOffset now, List<L2tpAction> actions)
    {
        _channel.Advance();
        OnStartRequest(sccrq, overLimit, actions);
        Flush(now, actions, ackOwed: true);
    }

    /// <summary>
    /// A control message for this tunnel. Acknowledgement policy: a ZLB goes out at once whenever a
    /// message (new or duplicate) was received and nothing we send in the same call carries the
    /// new Nr. Every reply we produce is computed synchronously in this call, so waiting for a
    /// piggy-back chance would only delay the peer; an immediate ZLB also lets a peer whose
    /// window is 1 (Android) send its next message without waiting for a timer.
    /// </summary>
    public void Receive(L2tpHeader header, byte[] message, DateTimeOffset now, List<L2tpAction> actions)
    {
        if (State == L2tpTunnelState.Dead) return;
        if (!_channel.TryAcknowledge(header.Nr))
        {
            _server.Count("control: Nr beyond what we sent");
            return;
        }
        LastReceived = now;

        bool ackOwed = false;
        if (!header.IsZeroLengthBody)
        {
            switch (_channel.Classify(header.Ns, _options.ReceiveWindowSize))
            {
                case L2tpArrival.Duplicate:
                    _server.Count("control: duplicate");
                    ackOwed = true;
                    break;
                case L2tpArrival.BeyondWindow:
                    _server.Count("control: beyond our receive window");
                    break;
                case L2tpArrival.Ahead:
                    // Held rather than dropped: a peer sending a window's worth at once then needs
                    // to resend only the lost one, and we still process in Ns order. Memory is
                    // bounded by our advertised window (held messages are unique by Ns).
                    _channel.Hold(header.Ns, message);
                    break;
                default:
                    ackOwed = true;
                    _channel.Advance();
                    Process(message, now, actions);
                    while (State != L2tpTunnelState.Dead && _channel.TryTakeHeld(out var next))
                    {
                        _channel.Advance();
                        Process(next, now, actions);
                    }
                    break;
            }
        }

        if (State == L2tpTunnelState.Closing && _channel.Idle)
        {
            // Our StopCCN was acknowledged: nothing more to say to this peer. It may have sent a
            // StopCCN of its own that crossed ours, and that one may have been lost: stay a
            // retransmission cycle, so its resends are acknowledged rather than unanswered.
            if (ackOwed) actions.Add(new L2tpSend(_channel.ZeroLengthBody(PeerId), Peer));
            State = L2tpTunnelState.Lingering;
            _lingerUntil = now + _options.RetransmitCycle();
            return;
        }
        Flush(now, actions, ackOwed);
    }

    /// <summary>Retransmissions, the HELLO keepalive, calls that never connected, linger end.</summary>
    public void Tick(DateTimeOffset now, List<L2tpAction> actions)
    {
        if (State == L2tpTunnelState.Dead) return;
        if (State == L2tpTunnelState.Lingering)
        {
            if (now >= _lingerUntil) State = L2tpTunnelState.Dead;
            return;
        }

        var resent = new List<byte[]>();
        if (_channel.Tick(now, resent))
        {
            string reason = "no acknowledgement after " + _options.MaxRetransmissions.ToString(CultureInfo.InvariantCulture) + " retransmissions";
            if (State != L2tpTunnelState.Closing)
                actions.Add(new L2tpLog("warn", "L2TP peer stopped answering, tunnel cleared", [("peer", Peer.Remote), ("tunnel", Id)]));
            ReportDown(reason, actions);
            _channel.Clear();
            State = L2tpTunnelState.Dead;
            return;
        }
        foreach (var data in resent) actions.Add(new L2tpSend(data, Peer));

        if (State == L2tpTunnelState.Established)
        {
            foreach (var session in _sessions.Values.Where(s => !s.Established && now - s.Created >= _options.IncomingCallTimeout).ToList())
            {
                actions.Add(new L2tpLog("warn", "L2TP call not connected in time, cleared", [("peer", Peer.Remote), ("tunnel", Id), ("session", session.Id)]));
                Disconnect(session, (ushort)L2tpCdnResult.Administrative, null, "no ICCN in time", "no ICCN in time", actions);
            }
            // Only an idle channel needs a HELLO: a retransmission already probes the peer.
            if (_channel.Idle && now - LastReceived >= _options.HelloInterval)
                _channel.Enqueue(new L2tpMessageWriter(L2tpMessageType.Hello).ToMessage(PeerId, 0));
        }
        Flush(now, actions, ackOwed: false);
    }

    /// <summary>We end a call (the daemon's request): CDN, then the session is gone.</summary>
    public bool CloseSession(ushort sessionId, string reason, DateTimeOffset now, List<L2tpAction> actions)
    {
        if (!IsActive || !_sessions.TryGetValue(sessionId, out var session)) return false;
        Disconnect(session, (ushort)L2tpCdnResult.Administrative, null, reason, reason, actions);
        Flush(now, actions, ackOwed: false);
        return true;
    }

    /// <summary>We end the tunnel: StopCCN (general request to clear), sessions and tunnel reported down.</summary>
    public bool Close(string reason, DateTimeOffset now, List<L2tpAction> actions)
    {
        if (!IsActive) return false;
        Stop((ushort)L2tpStopCcnResult.GeneralRequest, null, reason, reason, actions);
        Flush(now, actions, ackOwed: false);
        return true;
    }

    /// <summary>Drops the tunnel without a word to the peer (its IPsec SA is gone: nothing could reach it).</summary>
    public void Forget(string reason, List<L2tpAction> actions)
    {
        ReportDown(reason, actions);
        _channel.Clear();
        State = L2tpTunnelState.Dead;
    }

    /// <summary>
    /// Sends StopCCN and reports everything down. Messages still waiting for the peer's window are
    /// dropped; the StopCCN goes out once what is already in flight has been acknowledged.
    /// </summary>
    private void Stop(ushort result, ushort? error, string? text, string reason, List<L2tpAction> actions)
    {
        _channel.DropPending();
        _channel.Enqueue(new L2tpMessageWriter(L2tpMessageType.StopControlConnection)
            .AddUInt16(L2tpAvpType.AssignedTunnelId, Id, mandatory: true)
            .AddResultCode(result, error, text)
            .ToMessage(PeerId, 0));
        ReportDown(reason, actions);
        State = L2tpTunnelState.Closing;
    }

    /// <summary>A protocol error that clears the tunnel; logged with what was wrong.</summary>
    private void Fail(L2tpStopCcnResult result, L2tpErrorCode? error, string detail, List<L2tpAction> actions)
    {
        actions.Add(new L2tpLog("warn", Announced ? "L2TP tunnel cleared on a protocol error" : "L2TP tunnel refused",
            [("peer", Peer.Remote), ("tunnel", Id), ("host", Info.HostName), ("result", (ushort)result), ("error", (ushort?)error), ("detail", detail)]));
        Stop((ushort)result, (ushort?)error, detail, detail, actions);
    }

    /// <summary>Sends CDN for a session of ours and reports it down if it was up.</summary>
    private void Disconnect(L2tpSession session, ushort result, ushort? error, string? text, string reason, List<L2tpAction> actions)
    {
        SendCdn(session.PeerId, session.Id, result, error, text);
        _sessions.Remove(session.Id);
        if (session.Established) actions.Add(new L2tpSessionDown(Id, session.Id, reason));
    }

    private void SendCdn(ushort peerSessionId, ushort ourSessionId, ushort result, ushort? error, string? text) =>
        _channel.Enqueue(new L2tpMessageWriter(L2tpMessageType.CallDisconnectNotify)
            .AddResultCode(result, error, text)
            .AddUInt16(L2tpAvpType.AssignedSessionId, ourSessionId, mandatory: true)
            .ToMessage(PeerId, peerSessionId));

    /// <summary>SessionDown for every connected session, then TunnelDown if the tunnel was announced.</summary>
    private void ReportDown(string reason, List<L2tpAction> actions)
    {
        foreach (var session in _sessions.Values.OrderBy(s => s.Created).ThenBy(s => s.Id))
            if (session.Established) actions.Add(new L2tpSessionDown(Id, session.Id, reason));
        _sessions.Clear();
        if (Announced) actions.Add(new L2tpTunnelDown(Id, reason));
        Announced = false;
    }

    private void Flush(DateTimeOffset now, List<L2tpAction> actions, bool ackOwed)
    {
        var sent = new List<byte[]>();
        _channel.Flush(now, sent);
        foreach (var data in sent) actions.Add(new L2tpSend(data, Peer));
        if (ackOwed && sent.Count == 0) actions.Add(new L2tpSend(_channel.ZeroLengthBody(PeerId), Peer));
    }
}
