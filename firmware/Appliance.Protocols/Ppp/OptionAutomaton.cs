using static Appliance.Protocols.Ppp.PppAutomatonState;

namespace Appliance.Protocols.Ppp;

/// <summary>The This-Layer-* actions of RFC 1661 §4.4, plus "negotiation cannot succeed".</summary>
internal enum LayerSignal
{
    Up,
    Down,
    Started,
    Finished,
    Failed,
}

/// <summary>A layer action raised by an automaton, handled by the session after the event is done.</summary>
internal readonly record struct AutomatonSignal(OptionAutomaton Source, LayerSignal Signal, string Reason);

/// <summary>
/// The option negotiation automaton of RFC 1661 §4, shared by every control protocol. Events
/// (Up, Down, Open, Close, timeout, received packets) change the state as the §4.1 table says and
/// send packets through <see cref="PppOutput"/>; This-Layer-Up/Down/Started/Finished are queued as
/// signals rather than called back, so a layer reacting to one (IPCP failing closes LCP) never
/// re-enters an automaton in the middle of a transition.
/// <para>
/// Departures from the table, all for a server that never waits passively: no "restart" or
/// "passive" options (Open in Stopped stays Stopped); leaving Opened through a new
/// Configure-Request re-initialises the restart counter, as pppd does, since a counter left at
/// zero would end the renegotiation at its first timeout.
/// </para>
/// </summary>
internal sealed class OptionAutomaton(ushort protocol, IOptionNegotiator negotiator, PppOutput output, Queue<AutomatonSignal> signals)
{
    public const int MaxConfigure = 10;
    public const int MaxTerminate = 2;
    public const int MaxFailure = 5;
    public static readonly TimeSpan RestartInterval = TimeSpan.FromSeconds(3);

    private int _naksSent;
    private byte _nextIdentifier = 1;
    private byte _requestIdentifier;
    private bool _requestInFlight;
    private byte[] _lastRequest = [];

    public ushort Protocol { get; } = protocol;
    public string Name { get; } = PppProtocol.Name(protocol);
    public PppAutomatonState State { get; private set; } = Initial;

    /// <summary>When the restart timer fires; null while it is not running.</summary>
    public DateTimeOffset? RestartDeadline { get; private set; }

    /// <summary>Settable by tests, which need TO- without ten timeouts first.</summary>
    public int RestartCounter { get; internal set; }

    /// <summary>A fresh identifier for a packet this protocol originates (Echo, Code-Reject...).</summary>
    public byte NextIdentifier() => _nextIdentifier++;

    public void Up(DateTimeOffset now)
    {
        switch (State)
        {
            case Initial: Enter(Closed); break;
            case Starting:
                InitializeRestartCounter(MaxConfigure);
                SendConfigureRequest(now, fresh: true);
                Enter(RequestSent);
                break;
        }
    }

    public void Down()
    {
        switch (State)
        {
            case Closed or Closing: Enter(Initial); break;
            case Stopped: Raise(LayerSignal.Started, "lower layer down"); Enter(Starting); break;
            case Stopping or RequestSent or AckReceived or AckSent: Enter(Starting); break;
            case Opened: Raise(LayerSignal.Down, "lower layer down"); Enter(Starting); break;
        }
    }

    public void Open(DateTimeOffset now)
    {
        switch (State)
        {
            case Initial: Raise(LayerSignal.Started, "opened"); Enter(Starting); break;
            case Closed:
                InitializeRestartCounter(MaxConfigure);
                SendConfigureRequest(now, fresh: true);
                Enter(RequestSent);
                break;
            case Closing: Enter(Stopping); break;
        }
    }

    public void Close(DateTimeOffset now)
    {
        switch (State)
        {
            case Starting: Raise(LayerSignal.Finished, "closed before the lower layer came up"); Enter(Initial); break;
            case Stopped: Enter(Closed); break;
            case Stopping: Enter(Closing); break;
            case RequestSent or AckReceived or AckSent:
                InitializeRestartCounter(MaxTerminate);
                SendTerminateRequest(now);
                Enter(Closing);
                break;
            case Opened:
                Raise(LayerSignal.Down, "closing");
                InitializeRestartCounter(MaxTerminate);
                SendTerminateRequest(now);
                Enter(Closing);
                break;
        }
    }

    /// <summary>TO+ or TO- when the restart timer has expired at <paramref name="now"/>.</summary>
    public void Tick(DateTimeOffset now)
    {
        if (RestartDeadline is not { } deadline || now < deadline) return;
        RestartDeadline = null;
        bool more = RestartCounter > 0;
        switch (State)
        {
            case Closing or Stopping when more:
                SendTerminateRequest(now);
                break;
            case Closing:
                Raise(LayerSignal.Finished, "Terminate-Request not acknowledged");
                Enter(Closed);
                break;
            case Stopping:
                Raise(LayerSignal.Finished, "terminated");
                Enter(Stopped);
                break;
            case RequestSent or AckReceived when more:
                SendConfigureRequest(now, fresh: false);
                Enter(RequestSent);
                break;
            case AckSent when more:
                SendConfigureRequest(now, fresh: false);
                break;
            case RequestSent or AckReceived or AckSent:
                Raise(LayerSignal.Finished, "negotiation did not converge (no acceptable Configure-Ack)");
                Enter(Stopped);
                break;
        }
    }

    /// <summary>A packet with one of the codes 1-7 (the caller handles its protocol's further codes).</summary>
    public void Receive(ControlPacket packet, DateTimeOffset now)
    {
        if (State is Initial or Starting)
        {
            output.Drop($"{Name} before lower layer up");
            return;
        }
        switch (packet.Code)
        {
            case ControlCode.ConfigureRequest: ReceiveConfigureRequest(packet, now); break;
            case ControlCode.ConfigureAck: ReceiveConfigureAck(packet, now); break;
            case ControlCode.ConfigureNak or ControlCode.ConfigureReject: ReceiveNakOrReject(packet, now); break;
            case ControlCode.TerminateRequest: ReceiveTerminateRequest(packet, now); break;
            case ControlCode.TerminateAck: ReceiveTerminateAck(now); break;
            case ControlCode.CodeReject:
                if (packet.Data.IsEmpty) output.Drop($"{Name} empty Code-Reject");
                else RejectReceived(negotiator.IsPermittedCodeReject(packet.Data[0]), $"peer rejected {Name} code {packet.Data[0]}", now);
                break;
            default: RejectUnknownCode(packet); break;
        }
    }

    /// <summary>RUC: a code this protocol does not know gets a Code-Reject.</summary>
    public void RejectUnknownCode(ControlPacket packet)
    {
        if (State is Initial or Starting)
        {
            output.Drop($"{Name} before lower layer up");
            return;
        }
        output.SendQuoting(Protocol, ControlCode.CodeReject, NextIdentifier(), [], packet.Whole);
    }

    /// <summary>RXJ+ (permitted) or RXJ- (catastrophic): a Code-Reject, or a Protocol-Reject of this protocol.</summary>
    public void RejectReceived(bool permitted, string reason, DateTimeOffset now)
    {
        if (permitted)
        {
            // Even a harmless reject means the peer restarted talking: an Ack we hold is stale.
            if (State == AckReceived) Enter(RequestSent);
            return;
        }
        switch (State)
        {
            case Closed or Closing: Raise(LayerSignal.Finished, reason); Enter(Closed); break;
            case Stopped or Stopping or RequestSent or AckReceived or AckSent: Raise(LayerSignal.Finished, reason); Enter(Stopped); break;
            case Opened:
                Raise(LayerSignal.Down, reason);
                InitializeRestartCounter(MaxTerminate);
                SendTerminateRequest(now);
                Enter(Stopping);
                break;
        }
    }

    private void ReceiveConfigureRequest(ControlPacket packet, DateTimeOffset now)
    {
        switch (State)
        {
            case Closed: SendTerminateAck(packet.Identifier); return;
            case Closing or Stopping: return;
        }
        if (!ConfigOptionReader.IsWellFormed(packet.Data))
        {
            output.Drop($"{Name} malformed Configure-Request");
            return;
        }
        // A fresh negotiation starts with our own request (pppd orders it the same way), so the
        // negotiator's state is reset before it judges the peer's options.
        if (State == Opened)
        {
            Raise(LayerSignal.Down, "peer renegotiates");
            InitializeRestartCounter(MaxConfigure);
            SendConfigureRequest(now, fresh: true);
        }
        else if (State == Stopped)
        {
            InitializeRestartCounter(MaxConfigure);
            SendConfigureRequest(now, fresh: true);
        }

        var reply = negotiator.Review(packet.Data, _naksSent >= MaxFailure);
        if (negotiator.FatalReason is { } fatal)
        {
            Raise(LayerSignal.Failed, fatal);
            return;
        }
        if (reply.IsAck)
        {
            negotiator.PeerAcknowledged(packet.Data);
            _naksSent = 0;
        }
        else if (reply.Code == ControlCode.ConfigureNak)
        {
            _naksSent++;
        }
        output.SendControl(Protocol, reply.Code, packet.Identifier, reply.Options);

        switch (State)
        {
            case AckReceived when reply.IsAck:
                Raise(LayerSignal.Up, "opened");
                Enter(Opened);
                break;
            case AckReceived:
                break;
            default:
                Enter(reply.IsAck ? AckSent : RequestSent);
                break;
        }
    }

    /// <summary>
    /// RCA/RCN in Closed or Stopped: the peer negotiates with a link we consider down, so it gets a
    /// Terminate-Ack (sta); in Closing or Stopping it is ignored. True when that was all to do.
    /// </summary>
    private bool AnswerWhileNotNegotiating(ControlPacket packet)
    {
        switch (State)
        {
            case Closed or Stopped: SendTerminateAck(packet.Identifier); return true;
            case Closing or Stopping: return true;
            default: return false;
        }
    }

    /// <summary>
    /// Whether a reply names our last request; a stray one is dropped. A second reply to the same
    /// request is not: in Ack-Rcvd and Opened the table restarts negotiation on it (crossed connection).
    /// </summary>
    private bool IsReplyToOurRequest(ControlPacket packet, string what)
    {
        if (!_requestInFlight || packet.Identifier != _requestIdentifier)
        {
            output.Drop($"{Name} {what} for no outstanding request");
            return false;
        }
        return true;
    }

    private void ReceiveConfigureAck(ControlPacket packet, DateTimeOffset now)
    {
        if (AnswerWhileNotNegotiating(packet)) return;
        if (!IsReplyToOurRequest(packet, "Configure-Ack")) return;
        if (!packet.Data.SequenceEqual(_lastRequest))
        {
            // RFC 1661 §5.2: an Ack must repeat the request exactly.
            output.Drop($"{Name} Configure-Ack differs from the request");
            return;
        }
        negotiator.RequestAcknowledged();
        switch (State)
        {
            case RequestSent:
                InitializeRestartCounter(MaxConfigure);
                Enter(AckReceived);
                break;
            case AckReceived:
                // Crossed connection: a second Ack means the peer restarted; start over.
                SendConfigureRequest(now, fresh: false);
                Enter(RequestSent);
                break;
            case AckSent:
                InitializeRestartCounter(MaxConfigure);
                Raise(LayerSignal.Up, "opened");
                Enter(Opened);
                break;
            case Opened:
                Raise(LayerSignal.Down, "peer renegotiates");
                InitializeRestartCounter(MaxConfigure);
                SendConfigureRequest(now, fresh: true);
                Enter(RequestSent);
                break;
        }
    }

    private void ReceiveNakOrReject(ControlPacket packet, DateTimeOffset now)
    {
        bool isNak = packet.Code == ControlCode.ConfigureNak;
        string what = isNak ? "Configure-Nak" : "Configure-Reject";
        if (AnswerWhileNotNegotiating(packet)) return;
        if (!IsReplyToOurRequest(packet, what)) return;
        if (!ConfigOptionReader.IsWellFormed(packet.Data))
        {
            output.Drop($"{Name} malformed {what}");
            return;
        }
        if (!isNak)
        {
            // RFC 1661 §5.4: a Reject may only name options we asked for, unchanged.
            foreach (var option in new ConfigOptionReader(packet.Data))
            {
                if (!ConfigOptionReader.Contains(_lastRequest, option.Whole))
                {
                    output.Drop($"{Name} Configure-Reject of an option we did not request");
                    return;
                }
            }
        }
        if (isNak) negotiator.ApplyNak(packet.Data);
        else negotiator.ApplyReject(packet.Data);
        if (negotiator.FatalReason is { } fatal)
        {
            Raise(LayerSignal.Failed, fatal);
            return;
        }
        switch (State)
        {
            case RequestSent:
                InitializeRestartCounter(MaxConfigure);
                SendConfigureRequest(now, fresh: false);
                break;
            case AckReceived:
                SendConfigureRequest(now, fresh: false);
                Enter(RequestSent);
                break;
            case AckSent:
                InitializeRestartCounter(MaxConfigure);
                SendConfigureRequest(now, fresh: false);
                break;
            case Opened:
                Raise(LayerSignal.Down, "peer renegotiates");
                InitializeRestartCounter(MaxConfigure);
                SendConfigureRequest(now, fresh: false);
                Enter(RequestSent);
                break;
        }
    }

    private void ReceiveTerminateRequest(ControlPacket packet, DateTimeOffset now)
    {
        switch (State)
        {
            case Closed or Stopped or Closing or Stopping:
                SendTerminateAck(packet.Identifier);
                break;
            case RequestSent or AckReceived or AckSent:
                SendTerminateAck(packet.Identifier);
                Enter(RequestSent);
                break;
            case Opened:
                Raise(LayerSignal.Down, "peer sent Terminate-Request");
                // zrc: wait one restart interval so our Terminate-Ack can reach the peer.
                RestartCounter = 0;
                RestartDeadline = now + RestartInterval;
                SendTerminateAck(packet.Identifier);
                Enter(Stopping);
                break;
        }
    }

    private void ReceiveTerminateAck(DateTimeOffset now)
    {
        switch (State)
        {
            case Closing: Raise(LayerSignal.Finished, "terminated"); Enter(Closed); break;
            case Stopping: Raise(LayerSignal.Finished, "terminated"); Enter(Stopped); break;
            case AckReceived: Enter(RequestSent); break;
            case Opened:
                Raise(LayerSignal.Down, "unexpected Terminate-Ack");
                InitializeRestartCounter(MaxConfigure);
                SendConfigureRequest(now, fresh: true);
                Enter(RequestSent);
                break;
        }
    }

    private void InitializeRestartCounter(int value) => RestartCounter = value;

    private void SendConfigureRequest(DateTimeOffset now, bool fresh)
    {
        if (fresh)
        {
            negotiator.Reset();
            _naksSent = 0;
        }
        RestartCounter--;
        _requestIdentifier = NextIdentifier();
        _lastRequest = negotiator.BuildRequest();
        _requestInFlight = true;
        output.SendControl(Protocol, ControlCode.ConfigureRequest, _requestIdentifier, _lastRequest);
        RestartDeadline = now + RestartInterval;
    }

    private void SendTerminateRequest(DateTimeOffset now)
    {
        RestartCounter--;
        _requestInFlight = false;
        output.SendControl(Protocol, ControlCode.TerminateRequest, NextIdentifier(), []);
        RestartDeadline = now + RestartInterval;
    }

    private void SendTerminateAck(byte identifier) =>
        output.SendControl(Protocol, ControlCode.TerminateAck, identifier, []);

    private void Raise(LayerSignal signal, string reason) => signals.Enqueue(new AutomatonSignal(this, signal, reason));

    private void Enter(PppAutomatonState state)
    {
        State = state;
        // The restart timer runs only while a request of ours is outstanding (RFC 1661 §4.6).
        if (state is not (Closing or Stopping or RequestSent or AckReceived or AckSent)) RestartDeadline = null;
    }
}
