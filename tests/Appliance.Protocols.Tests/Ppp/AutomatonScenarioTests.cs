using Appliance.Protocols.Ppp;
using static Appliance.Protocols.Ppp.PppAutomatonState;

namespace Appliance.Protocols.Tests.Ppp;

/// <summary>Sequences through the automaton: two of them talking, lost packets, timeouts on a fake clock.</summary>
public class AutomatonScenarioTests
{
    /// <summary>Delivers every frame one rig sent to the other.</summary>
    private static void Deliver(List<Sent> frames, AutomatonRig to)
    {
        foreach (var f in frames) to.Packet(f.Code, f.Id, f.Data);
    }

    [Fact]
    public void Crossed_configure_requests_open_both_sides()
    {
        var a = new AutomatonRig();
        var b = new AutomatonRig();
        a.Fire("Open"); a.Fire("Up");
        b.Fire("Open"); b.Fire("Up");
        var fromA = a.Take().Frames;
        var fromB = b.Take().Frames;
        Assert.All(fromA.Concat(fromB), f => Assert.Equal(ControlCode.ConfigureRequest, f.Code));

        // Both requests cross on the wire; each side acks the other's and gets its own acked.
        Deliver(fromA, b);
        Deliver(fromB, a);
        Assert.Equal(AckSent, a.Automaton.State);
        Assert.Equal(AckSent, b.Automaton.State);
        var acksFromA = a.Take();
        var acksFromB = b.Take();
        Deliver(acksFromA.Frames, b);
        Deliver(acksFromB.Frames, a);
        Assert.Equal(Opened, a.Automaton.State);
        Assert.Equal(Opened, b.Automaton.State);
        Assert.Equal([LayerSignal.Up], a.Take().Signals);
        Assert.Null(a.Automaton.RestartDeadline);
    }

    [Fact]
    public void A_lost_ack_is_recovered_by_retransmission()
    {
        var a = new AutomatonRig();
        var b = new AutomatonRig();
        a.Fire("Open"); a.Fire("Up");
        b.Fire("Open"); b.Fire("Up");
        var requestFromA = a.Take().Frames;
        var requestFromB = b.Take().Frames;
        Deliver(requestFromA, b);
        Deliver(requestFromB, a);
        // a's Ack reaches b, which opens; b's Ack to a is lost, so a is still waiting.
        b.Take();
        Deliver(a.Take().Frames, b);
        b.Take();
        Assert.Equal(Opened, b.Automaton.State);
        Assert.Equal(AckSent, a.Automaton.State);

        // a repeats its request; b, already Opened, renegotiates (tld, scr, sca) as the table says.
        a.Now += OptionAutomaton.RestartInterval;
        a.Automaton.Tick(a.Now);
        var retransmitted = a.Take().Frames;
        Assert.Equal(ControlCode.ConfigureRequest, Assert.Single(retransmitted).Code);
        Deliver(retransmitted, b);
        var (fromB, signalsB) = b.Take();
        Assert.Equal([LayerSignal.Down], signalsB);
        Assert.Equal([ControlCode.ConfigureRequest, ControlCode.ConfigureAck], fromB.Select(f => f.Code));
        Deliver(fromB, a);
        Assert.Equal(Opened, a.Automaton.State);
        Deliver(a.Take().Frames, b);
        Assert.Equal(Opened, b.Automaton.State);
    }

    [Fact]
    public void Unanswered_requests_are_repeated_every_3_seconds_ten_times_then_finish()
    {
        var rig = new AutomatonRig();
        rig.Fire("Open"); rig.Fire("Up");
        int sent = rig.Take().Frames.Count;
        for (int i = 0; i < 20; i++)
        {
            rig.Now += TimeSpan.FromSeconds(1.5);
            rig.Automaton.Tick(rig.Now);
            var (frames, signals) = rig.Take();
            sent += frames.Count;
            if (signals.Count > 0)
            {
                Assert.Equal([LayerSignal.Finished], signals);
                Assert.Equal(PppKit.T0 + TimeSpan.FromSeconds(30), rig.Now);
                break;
            }
        }
        Assert.Equal(OptionAutomaton.MaxConfigure, sent);
        Assert.Equal(Stopped, rig.Automaton.State);
    }

    [Fact]
    public void Close_without_answer_sends_Max_Terminate_requests_then_finishes()
    {
        var rig = new AutomatonRig();
        rig.Reach(Opened);
        rig.Fire("Close");
        Assert.Single(rig.Take().Frames);
        rig.Now += OptionAutomaton.RestartInterval;
        rig.Automaton.Tick(rig.Now);
        Assert.Single(rig.Take().Frames);
        rig.Now += OptionAutomaton.RestartInterval;
        rig.Automaton.Tick(rig.Now);
        var (frames, signals) = rig.Take();
        Assert.Empty(frames);
        Assert.Equal([LayerSignal.Finished], signals);
        Assert.Equal(Closed, rig.Automaton.State);
    }

    [Fact]
    public void Tick_before_the_deadline_does_nothing()
    {
        var rig = new AutomatonRig();
        rig.Fire("Open"); rig.Fire("Up");
        rig.Take();
        rig.Automaton.Tick(rig.Now + TimeSpan.FromSeconds(2.999));
        Assert.Empty(rig.Take().Frames);
        Assert.Equal(OptionAutomaton.MaxConfigure - 1, rig.Automaton.RestartCounter);
    }

    [Fact]
    public void Replies_with_a_stale_identifier_are_dropped()
    {
        var rig = new AutomatonRig();
        rig.Fire("Open"); rig.Fire("Up");
        rig.Take();
        rig.Packet(ControlCode.ConfigureAck, (byte)(rig.LastRequestId + 1));
        rig.Packet(ControlCode.ConfigureNak, (byte)(rig.LastRequestId - 1));
        Assert.Equal(RequestSent, rig.Automaton.State);
        Assert.Empty(rig.Take().Frames);
        Assert.Equal(2, rig.Output.Counters.FramesDropped);
    }

    [Fact]
    public void Each_configure_request_gets_a_new_identifier()
    {
        var rig = new AutomatonRig();
        rig.Fire("Open"); rig.Fire("Up");
        var ids = new HashSet<byte> { rig.Take().Frames[0].Id };
        for (int i = 0; i < 5; i++)
        {
            rig.Now += OptionAutomaton.RestartInterval;
            rig.Automaton.Tick(rig.Now);
            Assert.True(ids.Add(rig.Take().Frames[0].Id));
        }
    }
}
