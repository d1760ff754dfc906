using System.Net;
using Appliance.Protocols.L2tp;
using static Appliance.Protocols.Tests.L2tp.TestWire;

namespace Appliance.Protocols.Tests.L2tp;

internal sealed class TestClock
{
    public DateTimeOffset Now { get; set; } = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public void Advance(double seconds) => Now += TimeSpan.FromSeconds(seconds);
}

/// <summary>
/// A test-side L2TP access concentrator: keeps its own Ns/Nr, talks to the server through
/// <see cref="L2tpServer.Receive"/>, reads the server's datagrams with <see cref="TestWire"/>, and
/// checks on every datagram that the server never has more unacknowledged messages outstanding
/// than this LAC's receive window.
/// </summary>
internal sealed class FakeLac(L2tpServer server, TestClock clock, L2tpPeer peer, ushort tunnelId, ushort window)
{
    public static readonly IPAddress ServerAddress = IPAddress.Parse("198.51.100.1");

    public L2tpServer Server { get; } = server;
    public L2tpPeer Peer { get; } = peer;
    public ushort TunnelId { get; } = tunnelId;
    public ushort Window { get; } = window;
    public ushort ServerTunnelId { get; set; }
    /// <summary>Our next Ns.</summary>
    public ushort Ns { get; set; }
    /// <summary>The next Ns we expect from the server.</summary>
    public ushort Nr { get; private set; }
    /// <summary>The Nr we last told the server.</summary>
    public ushort LastNrSent { get; private set; }
    /// <summary>While set, the server's datagrams to us are lost.</summary>
    public bool Deaf { get; set; }

    /// <summary>New in-order messages not yet looked at by the test.</summary>
    public List<Parsed> Inbox { get; } = [];
    /// <summary>Everything that reached us, with the time it was sent.</summary>
    public List<(DateTimeOffset At, Parsed Message)> Received { get; } = [];
    public List<(DateTimeOffset At, Parsed Message)> Lost { get; } = [];
    /// <summary>Non-send actions (up, down, frames, logs) seen while talking to this LAC.</summary>
    public List<L2tpAction> Events { get; } = [];
    public List<byte[]> DataReceived { get; } = [];

    public static FakeLac For(L2tpServer server, TestClock clock, ClientSccrqs.Client client, string address = "203.0.113.7", ulong carrier = 1, int? port = null) =>
        new(server, clock, new L2tpPeer(new IPEndPoint(IPAddress.Parse(address), port ?? client.Port), new IPEndPoint(ServerAddress, 1701), carrier),
            client.TunnelId, client.Window);

    public List<L2tpAction> Send(byte[] datagram) => Absorb(Server.Receive(datagram, Peer, clock.Now));

    /// <summary>Sends a control message with our next Ns and current Nr.</summary>
    public List<L2tpAction> SendControl(ushort sessionId, params byte[][] avps)
    {
        var message = Build(sessionId, avps);
        Ns++;
        return Send(message);
    }

    /// <summary>Builds the next control message without sending it (for reordering and duplicates).</summary>
    public byte[] Build(ushort sessionId, params byte[][] avps)
    {
        LastNrSent = Nr;
        return Control(ServerTunnelId, sessionId, Ns, Nr, avps);
    }

    public List<L2tpAction> SendZlb()
    {
        LastNrSent = Nr;
        return Send(Control(ServerTunnelId, 0, Ns, Nr));
    }

    /// <summary>Runs the server's timers; only what concerns this LAC is taken in.</summary>
    public List<L2tpAction> Tick() => Absorb(Server.Tick(clock.Now));

    public List<L2tpAction> Absorb(List<L2tpAction> actions)
    {
        foreach (var action in actions)
        {
            if (action is L2tpSend send)
            {
                if (send.To != Peer) continue;
                if (L2tpDataCodec.TryParseData(send.Data, out ushort dataTunnel, out _, out var range))
                {
                    Assert.Equal(TunnelId, dataTunnel);
                    DataReceived.Add(send.Data[range]);
                    continue;
                }
                var parsed = ParseControl(send.Data);
                Assert.Equal(TunnelId, parsed.TunnelId);
                if (Deaf)
                {
                    Lost.Add((clock.Now, parsed));
                    continue;
                }
                Received.Add((clock.Now, parsed));
                if (!parsed.IsZlb && parsed.Ns == Nr)
                {
                    Nr++;
                    Inbox.Add(parsed);
                }
                // The server's window towards us: what it sent that we have not acknowledged.
                Assert.True((ushort)(Nr - LastNrSent) <= Window, $"{(ushort)(Nr - LastNrSent)} unacknowledged messages exceed the window {Window}");
            }
            else if (action is L2tpSessionUp or L2tpSessionDown or L2tpTunnelUp or L2tpTunnelDown or L2tpPppFrame or L2tpLog)
            {
                if (Belongs(action)) Events.Add(action);
            }
        }
        return actions;
    }

    private bool Belongs(L2tpAction action) => action switch
    {
        L2tpTunnelUp up => up.Peer == Peer,
        L2tpTunnelDown down => down.TunnelId == ServerTunnelId || ServerTunnelId == 0,
        L2tpSessionUp up => up.Peer == Peer,
        L2tpSessionDown down => down.TunnelId == ServerTunnelId,
        L2tpPppFrame frame => frame.TunnelId == ServerTunnelId,
        _ => true,
    };

    /// <summary>Takes the next new message, which must be of <paramref name="type"/>.</summary>
    public Parsed Expect(ushort type)
    {
        Assert.True(Inbox.Count > 0, $"expected message type {type}, inbox empty");
        var message = Inbox[0];
        Inbox.RemoveAt(0);
        Assert.Equal(type, message.Type);
        return message;
    }

    public void ExpectNoMessage() => Assert.Empty(Inbox);

    public T Single<T>() where T : L2tpAction => Assert.Single(Events.OfType<T>());

    /// <summary>SCCRQ, SCCRP, SCCCN: returns the server's tunnel id.</summary>
    public ushort BringUpTunnel(byte[] sccrq, params byte[][] scccnExtra)
    {
        LastNrSent = Nr;
        Send(sccrq);
        Ns = 1;
        var sccrp = Expect(Sccrp);
        ServerTunnelId = sccrp.Get16(AssignedTunnelId)!.Value;
        SendControl(0, [Type(Scccn), .. scccnExtra]);
        return ServerTunnelId;
    }

    /// <summary>ICRQ, ICRP, ICCN: returns the server's session id.</summary>
    public ushort BringUpSession(ushort ourSessionId)
    {
        SendControl(0, Type(Icrq), Avp16(AssignedSessionId, ourSessionId), Avp32(CallSerialNumber, ourSessionId));
        var icrp = Expect(Icrp);
        Assert.Equal(ourSessionId, icrp.SessionId);
        ushort serverSession = icrp.Get16(AssignedSessionId)!.Value;
        SendControl(serverSession, Type(Iccn), Avp32(TxConnectSpeed, 100_000_000), Avp32(FramingType, 1));
        return serverSession;
    }
}
