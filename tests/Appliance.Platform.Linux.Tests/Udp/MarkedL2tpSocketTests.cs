using System.Net;
using Appliance.Platform.Linux.Netlink;
using Appliance.Platform.Linux.Udp;

namespace Appliance.Platform.Linux.Tests.Udp;

/// <summary>The mark travels: what is sent with a mark arrives with it (over loopback the sender's
/// SO_MARK stays on the packet, as an ESP SA's mark does after decryption), and the local
/// address comes with it. Needs CAP_NET_ADMIN for SO_MARK, as the daemon does.</summary>
public class MarkedL2tpSocketTests
{
    [Fact]
    public async Task Datagrams_arrive_with_the_mark_they_were_sent_with()
    {
        using var a = MarkedL2tpSocket.Open(IPAddress.Loopback, 0);
        using var b = MarkedL2tpSocket.Open(IPAddress.Loopback, 0);
        var to = new IPEndPoint(IPAddress.Loopback, b.Port);
        a.Send([1, 2, 3], to, 0x4c320007);
        a.Send([4, 5], to, 0);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var first = await b.Received.ReadAsync(timeout.Token);
        var second = await b.Received.ReadAsync(timeout.Token);
        Assert.Equal([1, 2, 3], first.Data);
        Assert.Equal(0x4c320007u, first.Mark);
        Assert.Equal([4, 5], second.Data);
        Assert.Equal(0u, second.Mark);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, a.Port), first.From);
        Assert.Equal(IPAddress.Loopback, first.Local.Address);
    }

    [Fact]
    public void Dispose_returns_promptly_while_the_reader_waits()
    {
        var s = MarkedL2tpSocket.Open(IPAddress.Loopback, 0);
        var started = DateTime.UtcNow;
        s.Dispose();
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2));
        Assert.True(s.Received.Completion.IsCompleted);
    }

    /// <summary>A tunnel socket shares the listener's port: its connected peer's datagrams land on
    /// it (the kernel prefers the connected socket) and reach the listener's queue with their
    /// marks; others reach the listener; what the tunnel socket sends carries the client's mark;
    /// closing it leaves the listener's queue open.</summary>
    [Fact]
    public async Task A_tunnel_socket_takes_its_peer_and_feeds_the_listeners_queue()
    {
        using var listener = MarkedL2tpSocket.Open(IPAddress.Loopback, 0);
        using var peer = MarkedL2tpSocket.Open(IPAddress.Loopback, 0);
        using var other = MarkedL2tpSocket.Open(IPAddress.Loopback, 0);
        var box = new IPEndPoint(IPAddress.Loopback, listener.Port);
        var tunnel = listener.OpenTunnelSocket(box, new IPEndPoint(IPAddress.Loopback, peer.Port), 0x4c320009);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        peer.Send([1], box, 0x4c320003);
        other.Send([2], box, 0x4c320004);
        var got = new[] { await listener.Received.ReadAsync(timeout.Token), await listener.Received.ReadAsync(timeout.Token) };
        var fromPeer = Assert.Single(got, d => d.Data[0] == 1);
        Assert.Equal(0x4c320003u, fromPeer.Mark);
        Assert.Equal(peer.Port, fromPeer.From.Port);
        Assert.Equal(listener.Port, fromPeer.Local.Port);
        Assert.Equal(0x4c320004u, Assert.Single(got, d => d.Data[0] == 2).Mark);

        tunnel.Socket.Send([3]);
        var reply = await peer.Received.ReadAsync(timeout.Token);
        Assert.Equal([3], reply.Data);
        Assert.Equal(0x4c320009u, reply.Mark);

        tunnel.Dispose();
        Assert.False(listener.Received.Completion.IsCompleted);
        peer.Send([4], box, 0);
        Assert.Equal([4], (await listener.Received.ReadAsync(timeout.Token)).Data);
    }

    /// <summary>A tunnel socket closes while its peer may still be talking (a StopCCN crossing
    /// ours): whatever the kernel had queued on it still reaches the listener's queue. Loopback
    /// sends are queued at the receiver when Send returns; the tunnel socket's reader is held back
    /// until Dispose, so all of them are still in the kernel's queue then.</summary>
    [Fact]
    public async Task Disposing_a_tunnel_socket_hands_on_what_it_had_queued()
    {
        using var listener = MarkedL2tpSocket.Open(IPAddress.Loopback, 0);
        using var peer = MarkedL2tpSocket.Open(IPAddress.Loopback, 0);
        var box = new IPEndPoint(IPAddress.Loopback, listener.Port);
        var tunnel = listener.OpenTunnelSocket(box, new IPEndPoint(IPAddress.Loopback, peer.Port), 0x4c32000a, inboundPolicy: null, startReading: false);
        const int count = 50;
        for (int i = 0; i < count; i++) peer.Send([(byte)i, 0xAA], box, 0x4c320005);
        tunnel.Dispose();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var seen = new HashSet<byte>();
        try { for (int i = 0; i < count; i++) seen.Add((await listener.Received.ReadAsync(timeout.Token)).Data[0]); } catch (OperationCanceledException) { Assert.Fail($"only {seen.Count}"); }
        Assert.Equal(count, seen.Count);
        Assert.Equal(0, listener.Overflow);
    }

    /// <summary>The kernel L2TP datapath's guard: a tunnel socket with an inbound socket policy
    /// that wants ESP takes nothing that came in clear, even from its own peer: the kernel drops
    /// it before the socket (and before the encapsulation hook the kernel's L2TP uses) and
    /// counts it as a template mismatch. The listener beside it, without a policy, still
    /// receives clear datagrams.</summary>
    [Fact]
    public async Task A_tunnel_socket_with_an_inbound_policy_drops_what_came_in_clear()
    {
        using var listener = MarkedL2tpSocket.Open(IPAddress.Loopback, 0);
        using var peer = MarkedL2tpSocket.Open(IPAddress.Loopback, 0);
        using var other = MarkedL2tpSocket.Open(IPAddress.Loopback, 0);
        var box = new IPEndPoint(IPAddress.Loopback, listener.Port);
        var policy = XfrmMessages.SocketPolicy(new XfrmPolicySpec
        {
            Selector = new XfrmSelector(IPAddress.Any, IPAddress.Any, Xfrm.IPPROTO_UDP, DestinationPort: (ushort)listener.Port, SourcePrefix: 0, DestinationPrefix: 0),
            Direction = XfrmPolicyDirection.In,
            ReqId = 9,
        });
        using var tunnel = listener.OpenTunnelSocket(box, new IPEndPoint(IPAddress.Loopback, peer.Port), 0x4c320009, policy);
        long mismatches = TemplateMismatches();

        peer.Send([1], box, 0x4c320009);
        other.Send([2], box, 0);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.Equal([2], (await listener.Received.ReadAsync(timeout.Token)).Data);
        await Task.Delay(300);
        Assert.False(listener.Received.TryRead(out var leaked), $"a clear datagram got through: {leaked.Data?.FirstOrDefault()}");
        Assert.True(TemplateMismatches() > mismatches, "the kernel did not count the drop as a template mismatch");
    }

    private static long TemplateMismatches()
    {
        foreach (string line in File.ReadLines("/proc/net/xfrm_stat"))
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 2 && f[0] == "XfrmInTmplMismatch") return long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException("no XfrmInTmplMismatch in /proc/net/xfrm_stat");
    }
}
