using Appliance.Protocols.Ppp;
using static Appliance.Protocols.Ppp.PppAutomatonState;

namespace Appliance.Protocols.Tests.Ppp;

/// <summary>A negotiator whose requests are empty and that acks an empty request, naks any other.</summary>
internal sealed class StubNegotiator : IOptionNegotiator
{
    public static readonly byte[] BadRequest = [0xAA, 2];

    public string? FatalReason => null;
    public int Resets { get; private set; }
    public void Reset() => Resets++;
    public byte[] BuildRequest() => [];
    public ConfigureReply Review(ReadOnlySpan<byte> options, bool rejectInsteadOfNak) => options.IsEmpty
        ? new ConfigureReply(ControlCode.ConfigureAck, [])
        : new ConfigureReply(ControlCode.ConfigureNak, options.ToArray());
    public void PeerAcknowledged(ReadOnlySpan<byte> options) { }
    public void RequestAcknowledged() { }
    public void ApplyNak(ReadOnlySpan<byte> options) { }
    public void ApplyReject(ReadOnlySpan<byte> options) { }
    public bool IsPermittedCodeReject(byte code) => code > ControlCode.CodeReject;
}

/// <summary>One automaton with a stub negotiator, its output and signals, driven by RFC 1661 event names.</summary>
internal sealed class AutomatonRig
{
    public AutomatonRig()
    {
        Output = new PppOutput(new PppCounters());
        Automaton = new OptionAutomaton(0x8021, new StubNegotiator(), Output, Signals);
    }

    public PppOutput Output { get; }
    public Queue<AutomatonSignal> Signals { get; } = new();
    public OptionAutomaton Automaton { get; }
    public DateTimeOffset Now { get; set; } = PppKit.T0;
    public byte LastRequestId { get; private set; }

    /// <summary>Frames sent and signals raised since the last call; remembers our last request's id.</summary>
    public (List<Sent> Frames, List<LayerSignal> Signals) Take()
    {
        var frames = Output.Take().Frames();
        foreach (var f in frames.Where(f => f.Code == ControlCode.ConfigureRequest)) LastRequestId = f.Id;
        var signals = Signals.Select(s => s.Signal).ToList();
        Signals.Clear();
        return (frames, signals);
    }

    public void Packet(byte code, byte id, params byte[] data)
    {
        var info = ControlPacket.Build(code, id, data);
        Assert.True(ControlPacket.TryParse(info, out var packet));
        if (code <= ControlCode.CodeReject) Automaton.Receive(packet, Now);
        else Automaton.RejectUnknownCode(packet);
    }

    public void Fire(string ev)
    {
        var a = Automaton;
        switch (ev)
        {
            case "Up": a.Up(Now); break;
            case "Down": a.Down(); break;
            case "Open": a.Open(Now); break;
            case "Close": a.Close(Now); break;
            case "TO+": a.RestartCounter = 2; Now += OptionAutomaton.RestartInterval; a.Tick(Now); break;
            case "TO-": a.RestartCounter = 0; Now += OptionAutomaton.RestartInterval; a.Tick(Now); break;
            case "RCR+": Packet(ControlCode.ConfigureRequest, 0x40); break;
            case "RCR-": Packet(ControlCode.ConfigureRequest, 0x41, StubNegotiator.BadRequest); break;
            case "RCA": Packet(ControlCode.ConfigureAck, LastRequestId); break;
            case "RCN": Packet(ControlCode.ConfigureNak, LastRequestId, StubNegotiator.BadRequest); break;
            case "RTR": Packet(ControlCode.TerminateRequest, 0x42); break;
            case "RTA": Packet(ControlCode.TerminateAck, 0x43); break;
            case "RUC": Packet(0x20, 0x44, 1, 2, 3); break;
            case "RXJ+": Packet(ControlCode.CodeReject, 0x45, 0x09, 0x01, 0x00, 0x08, 0, 0, 0, 0); break;
            case "RXJ-": Packet(ControlCode.CodeReject, 0x46, 0x01, 0x01, 0x00, 0x04); break;
            default: throw new ArgumentException(ev);
        }
    }

    /// <summary>Drives a fresh automaton into <paramref name="state"/> through legal events only.</summary>
    public void Reach(PppAutomatonState state)
    {
        switch (state)
        {
            case Initial: break;
            case Starting: Fire("Open"); break;
            case Closed: Fire("Up"); break;
            case Stopped: Reach(RequestSent); Fire("RXJ-"); break;
            case Closing: Reach(RequestSent); Fire("Close"); break;
            case Stopping: Reach(Opened); Fire("RTR"); break;
            case RequestSent: Fire("Open"); Fire("Up"); break;
            case AckReceived: Reach(RequestSent); Take(); Fire("RCA"); break;
            case AckSent: Reach(RequestSent); Fire("RCR+"); break;
            case Opened: Reach(AckReceived); Fire("RCR+"); break;
        }
        Assert.Equal(state, Automaton.State);
        Take();
    }
}

/// <summary>
/// The state transition table of RFC 1661 §4.1, cell by cell: for every state and event, the new
/// state, the packets sent (scr/sca/scn/str/sta/scj), the layer actions (tlu/tld/tls/tlf) and
/// the restart counter after irc/zrc. The table is transcribed from the RFC; the footnotes
/// "r" (restart option) and "p" (passive option) are options we do not implement, so those
/// cells are checked as their plain state, and "x" (crossed connection) is only a remark.
/// </summary>
public class OptionAutomatonTableTests
{
    private static readonly string[] Events = ["Up", "Down", "Open", "Close", "TO+", "TO-", "RCR+", "RCR-", "RCA", "RCN", "RTR", "RTA", "RUC", "RXJ+", "RXJ-"];

    // Rows in the order of Events; columns are states 0 (Initial) to 9 (Opened).
    private static readonly string[][] Table =
    [
        ["2", "irc,scr/6", "-", "-", "-", "-", "-", "-", "-", "-"],
        ["-", "-", "0", "tls/1", "0", "1", "1", "1", "1", "tld/1"],
        ["tls/1", "1", "irc,scr/6", "3r", "5r", "5r", "6", "7", "8", "9r"],
        ["0", "tlf/0", "2", "2", "4", "4", "irc,str/4", "irc,str/4", "irc,str/4", "tld,irc,str/4"],
        ["-", "-", "-", "-", "str/4", "str/5", "scr/6", "scr/6", "scr/8", "-"],
        ["-", "-", "-", "-", "tlf/2", "tlf/3", "tlf/3p", "tlf/3p", "tlf/3p", "-"],
        ["-", "-", "sta/2", "irc,scr,sca/8", "4", "5", "sca/8", "sca,tlu/9", "sca/8", "tld,scr,sca/8"],
        ["-", "-", "sta/2", "irc,scr,scn/6", "4", "5", "scn/6", "scn/7", "scn/6", "tld,scr,scn/6"],
        ["-", "-", "sta/2", "sta/3", "4", "5", "irc/7", "scr/6x", "irc,tlu/9", "tld,scr/6x"],
        ["-", "-", "sta/2", "sta/3", "4", "5", "irc,scr/6", "scr/6x", "irc,scr/8", "tld,scr/6x"],
        ["-", "-", "sta/2", "sta/3", "sta/4", "sta/5", "sta/6", "sta/6", "sta/6", "tld,zrc,sta/5"],
        ["-", "-", "2", "3", "tlf/2", "tlf/3", "6", "6", "8", "tld,scr/6"],
        ["-", "-", "scj/2", "scj/3", "scj/4", "scj/5", "scj/6", "scj/7", "scj/8", "scj/9"],
        ["-", "-", "2", "3", "4", "5", "6", "6", "8", "9"],
        ["-", "-", "tlf/2", "tlf/3", "tlf/2", "tlf/3", "tlf/3", "tlf/3", "tlf/3", "tld,irc,str/5"],
    ];

    public static IEnumerable<object[]> Cells() =>
        from e in Enumerable.Range(0, Events.Length)
        from s in Enumerable.Range(0, 10)
        select new object[] { (PppAutomatonState)s, Events[e], Table[e][s] };

    [Theory]
    [MemberData(nameof(Cells))]
    public void Transition_matches_RFC1661_table(PppAutomatonState state, string ev, string cell)
    {
        var rig = new AutomatonRig();
        rig.Reach(state);
        rig.Fire(ev);
        var (frames, signals) = rig.Take();

        if (cell == "-")
        {
            // An event the RFC calls illegal in this state changes nothing.
            Assert.Equal(state, rig.Automaton.State);
            Assert.Empty(frames);
            Assert.Empty(signals);
            return;
        }

        string[] parts = cell.Split('/');
        string[] actions = parts.Length == 2 ? parts[0].Split(',') : [];
        var expectedState = (PppAutomatonState)(parts[^1][0] - '0');
        Assert.Equal(expectedState, rig.Automaton.State);

        var expectedCodes = new List<byte>();
        var expectedSignals = new List<LayerSignal>();
        foreach (var action in actions)
        {
            switch (action)
            {
                case "scr": expectedCodes.Add(ControlCode.ConfigureRequest); break;
                case "sca": expectedCodes.Add(ControlCode.ConfigureAck); break;
                case "scn": expectedCodes.Add(ControlCode.ConfigureNak); break;
                case "str": expectedCodes.Add(ControlCode.TerminateRequest); break;
                case "sta": expectedCodes.Add(ControlCode.TerminateAck); break;
                case "scj": expectedCodes.Add(ControlCode.CodeReject); break;
                case "tlu": expectedSignals.Add(LayerSignal.Up); break;
                case "tld": expectedSignals.Add(LayerSignal.Down); break;
                case "tls": expectedSignals.Add(LayerSignal.Started); break;
                case "tlf": expectedSignals.Add(LayerSignal.Finished); break;
                case "irc" or "zrc": break;
                default: Assert.Fail("unknown action " + action); break;
            }
        }
        // "Multiple actions may be implemented in any convenient order" (§4.1).
        Assert.Equal(expectedCodes.Order(), frames.Select(f => f.Code).Order());
        Assert.Equal(expectedSignals.Order(), signals.Order());

        if (actions.Contains("zrc"))
        {
            Assert.Equal(0, rig.Automaton.RestartCounter);
            Assert.NotNull(rig.Automaton.RestartDeadline);
        }
        else if (actions.Contains("irc"))
        {
            // irc loads Max-Configure for a Configure-Request, Max-Terminate for a Terminate-Request;
            // the send that follows decrements it.
            int expected = actions.Contains("str") ? OptionAutomaton.MaxTerminate - 1
                : actions.Contains("scr") ? OptionAutomaton.MaxConfigure - 1
                : OptionAutomaton.MaxConfigure;
            Assert.Equal(expected, rig.Automaton.RestartCounter);
        }

        // The restart timer runs exactly in the states that wait for an answer (§4.6).
        bool timerState = expectedState is Closing or Stopping or RequestSent or AckReceived or AckSent;
        if (!timerState) Assert.Null(rig.Automaton.RestartDeadline);
    }

    [Fact]
    public void Table_covers_every_state_and_event()
    {
        Assert.Equal(150, Cells().Count());
    }
}
