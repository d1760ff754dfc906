using Appliance.Protocols.Crypto;
using Appliance.Protocols.L2tp;

namespace Appliance.Protocols.Tests.L2tp;

/// <summary>
/// Session ids are unique across tunnels: on the kernel datapath two clients behind one NAT
/// share a tunnel socket, and a 6.1 kernel finds a data packet's session by its session id in
/// the tunnel that owns that socket.
/// </summary>
public class SessionIdUniquenessTests
{
    /// <summary>A random source that always says the same: the worst case for id collisions.</summary>
    private sealed class StuckRandom : IRandomSource
    {
        public void Fill(Span<byte> destination) => destination.Fill(0x5A);
    }

    [Fact]
    public void Sessions_of_different_tunnels_never_share_an_id()
    {
        var clock = new TestClock();
        var server = new L2tpServer(new L2tpServerOptions(), new StuckRandom());
        var a = FakeLac.For(server, clock, ClientSccrqs.Windows, port: 1701, carrier: 1);
        var b = FakeLac.For(server, clock, ClientSccrqs.Windows, port: 1701, carrier: 2);
        ushort tunnelA = a.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        ushort tunnelB = b.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        Assert.NotEqual(tunnelA, tunnelB);
        ushort sessionA = a.BringUpSession(1);
        ushort sessionB = b.BringUpSession(1);
        Assert.NotEqual(0, sessionA);
        Assert.NotEqual(0, sessionB);
        Assert.NotEqual(sessionA, sessionB);
        ushort sessionA2 = a.BringUpSession(2);
        Assert.NotEqual(sessionA, sessionA2);
        Assert.NotEqual(sessionB, sessionA2);
    }
}
