using System.Buffers.Binary;

namespace Appliance.Protocols.L2tp;

/// <summary>How a received control message's Ns relates to the next one we expect.</summary>
internal enum L2tpArrival
{
    InOrder,
    /// <summary>Already processed: acknowledge again (our ack was lost), do not process.</summary>
    Duplicate,
    /// <summary>After a gap, within the window we advertised: held until the gap is filled.</summary>
    Ahead,
    /// <summary>After a gap, beyond our window: the peer broke the window, dropped.</summary>
    BeyondWindow,
}

/// <summary>
/// Reliable delivery of one control connection (RFC 2661 §5.8): our Ns and the peer's Nr, the peer's
/// receive window, retransmission with exponential backoff, and the peer's out-of-order messages.
/// All sequence arithmetic is modulo 2^16, "before" meaning within the 32767 numbers below.
/// </summary>
internal sealed class L2tpReliableChannel(L2tpServerOptions options, ushort firstExpected)
{
    private sealed class Unacked(byte[] message, ushort ns, DateTimeOffset due)
    {
        public byte[] Message { get; } = message;
        public ushort Ns { get; } = ns;
        public int Retries { get; set; }
        public DateTimeOffset Due { get; set; } = due;
    }

    private readonly List<Unacked> _unacked = [];
    private readonly Queue<byte[]> _pending = new();
    private readonly Dictionary<ushort, byte[]> _ahead = [];
    private ushort _nextNs;
    private ushort _nextExpected = firstExpected;

    /// <summary>The peer's Receive Window Size: how many of our messages may be unacknowledged at once.</summary>
    public ushort PeerWindow { get; set; } = 4;

    /// <summary>Nothing sent and unacknowledged, nothing waiting for the window.</summary>
    public bool Idle => _unacked.Count == 0 && _pending.Count == 0;

    public int UnacknowledgedCount => _unacked.Count;

    public void Enqueue(byte[] message) => _pending.Enqueue(message);

    /// <summary>Messages not yet sent are not worth sending any more (the tunnel is stopping).</summary>
    public void DropPending() => _pending.Clear();

    public void Clear()
    {
        _pending.Clear();
        _unacked.Clear();
        _ahead.Clear();
    }

    public L2tpArrival Classify(ushort ns, ushort ourWindow)
    {
        ushort distance = (ushort)(ns - _nextExpected);
        if (distance == 0) return L2tpArrival.InOrder;
        if (distance >= 0x8000) return L2tpArrival.Duplicate;
        return distance < ourWindow ? L2tpArrival.Ahead : L2tpArrival.BeyondWindow;
    }

    /// <summary>The message was processed: from now on our Nr acknowledges it.</summary>
    public void Advance() => _nextExpected++;

    /// <summary>Holds a message that arrived after a gap; a second copy of it changes nothing.</summary>
    public void Hold(ushort ns, byte[] message) => _ahead.TryAdd(ns, message);

    /// <summary>The held message that is next in order, if it has arrived.</summary>
    public bool TryTakeHeld(out byte[] message) => _ahead.Remove(_nextExpected, out message!);

    /// <summary>
    /// Applies the peer's Nr: every message of ours with Ns before it is acknowledged. An Nr older
    /// than what is already acknowledged is stale and harmless (true); one beyond what we ever sent
    /// cannot come from an honest peer (false: the message is dropped).
    /// </summary>
    public bool TryAcknowledge(ushort nr)
    {
        ushort sendBase = _unacked.Count > 0 ? _unacked[0].Ns : _nextNs;
        int acknowledged = (ushort)(nr - sendBase);
        if (acknowledged <= (ushort)(_nextNs - sendBase))
        {
            // Unacknowledged messages are consecutive from sendBase, so the first n go.
            _unacked.RemoveRange(0, acknowledged);
            return true;
        }
        return (ushort)(sendBase - nr) < 0x8000;
    }

    /// <summary>Sends what the peer's window allows; each copy carries the current Nr.</summary>
    public int Flush(DateTimeOffset now, List<byte[]> output)
    {
        int sent = 0;
        while (_pending.Count > 0 && _unacked.Count < PeerWindow)
        {
            var message = _pending.Dequeue();
            var entry = new Unacked(message, _nextNs, now + options.RetransmitDelay(0));
            _nextNs++;
            _unacked.Add(entry);
            output.Add(Stamp(entry));
            sent++;
        }
        return sent;
    }

    /// <summary>
    /// Retransmits what is due (same Ns, Nr brought up to date, §5.8). True when a message has
    /// already been retransmitted the maximum number of times and is due again: the peer is gone.
    /// </summary>
    public bool Tick(DateTimeOffset now, List<byte[]> output)
    {
        foreach (var entry in _unacked)
        {
            if (now < entry.Due) continue;
            if (entry.Retries >= options.MaxRetransmissions) return true;
            entry.Retries++;
            entry.Due = now + options.RetransmitDelay(entry.Retries);
            output.Add(Stamp(entry));
        }
        return false;
    }

    /// <summary>A Zero-Length Body acknowledgement: header only, Ns = our next Ns (not consumed), Nr.</summary>
    public byte[] ZeroLengthBody(ushort peerTunnelId)
    {
        var message = new byte[L2tpHeader.ControlHeaderSize];
        L2tpHeader.WriteControl(message, L2tpHeader.ControlHeaderSize, peerTunnelId, 0, _nextNs, _nextExpected);
        return message;
    }

    /// <summary>A fresh copy per transmission: the host may still hold the previous one.</summary>
    private byte[] Stamp(Unacked entry)
    {
        var copy = (byte[])entry.Message.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(L2tpHeader.NsOffset), entry.Ns);
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(L2tpHeader.NrOffset), _nextExpected);
        return copy;
    }
}
