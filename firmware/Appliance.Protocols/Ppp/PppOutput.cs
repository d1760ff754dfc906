namespace Appliance.Protocols.Ppp;

/// <summary>
/// Where the parts of a session put what they want done during one call (Start, Receive, Tick,
/// Close): frames to send, log lines, drop counts. The session hands the collected actions back.
/// </summary>
internal sealed class PppOutput(PppCounters counters)
{
    /// <summary>Largest information field the peer accepts: its MRU (1500 unless negotiated).</summary>
    public int PeerMru { get; set; } = LcpNegotiator.DefaultMru;

    public List<PppAction> Actions { get; private set; } = [];

    public PppCounters Counters => counters;

    public List<PppAction> Take()
    {
        var taken = Actions;
        Actions = [];
        return taken;
    }

    public void Add(PppAction action) => Actions.Add(action);

    public void SendControl(ushort protocol, byte code, byte identifier, ReadOnlySpan<byte> data)
    {
        Actions.Add(new PppSendFrame(PppFraming.Encode(protocol, ControlPacket.Build(code, identifier, data))));
        counters.FramesSent++;
    }

    /// <summary>
    /// A packet that quotes a received one (Code-Reject, Protocol-Reject, Echo-Reply): the quote is
    /// cut so the packet fits the peer's MRU, as RFC 1661 §5.6/§5.7 ask.
    /// </summary>
    public void SendQuoting(ushort protocol, byte code, byte identifier, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> quoted)
    {
        int room = Math.Max(0, PeerMru - ControlPacket.HeaderLength - prefix.Length);
        var data = new byte[prefix.Length + Math.Min(room, quoted.Length)];
        prefix.CopyTo(data);
        quoted[..(data.Length - prefix.Length)].CopyTo(data.AsSpan(prefix.Length));
        SendControl(protocol, code, identifier, data);
    }

    public void Drop(string reason) => counters.Drop(reason);

    public void Log(string level, string message, params (string Key, object? Value)[] fields) =>
        Actions.Add(new PppLog(level, message, fields));
}
