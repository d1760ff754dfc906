using System.Net;
using Appliance.Host.Daemon.Sessions;

namespace Appliance.Host.Tests.Sessions;

/// <summary>One kernel tunnel per UDP 4-tuple: the second client behind a NAT stays in the process.</summary>
public class KernelTunnelClaimsTests
{
    private static readonly IPEndPoint Box = new(IPAddress.Parse("203.0.113.1"), 1701);
    private static readonly IPEndPoint Nat = new(IPAddress.Parse("203.0.113.2"), 1701);

    [Fact]
    public void Second_client_with_the_same_four_tuple_is_refused_and_told_the_holder()
    {
        var claims = new KernelTunnelClaims();
        Assert.True(claims.TryClaim(100, Box, Nat, out _));
        Assert.False(claims.TryClaim(200, Box, new IPEndPoint(Nat.Address, 1701), out ushort holder));
        Assert.Equal(100, holder);
        Assert.Equal(1, claims.Count);
    }

    [Fact]
    public void Other_port_or_address_of_the_peer_is_a_different_four_tuple()
    {
        var claims = new KernelTunnelClaims();
        Assert.True(claims.TryClaim(100, Box, Nat, out _));
        Assert.True(claims.TryClaim(200, Box, new IPEndPoint(Nat.Address, 1702), out _));
        Assert.True(claims.TryClaim(300, Box, new IPEndPoint(IPAddress.Parse("198.51.100.9"), 1701), out _));
        Assert.Equal(3, claims.Count);
    }

    [Fact]
    public void An_unknown_local_address_collides_with_any_local_address()
    {
        var claims = new KernelTunnelClaims();
        Assert.True(claims.TryClaim(100, Box, Nat, out _));
        Assert.False(claims.TryClaim(200, new IPEndPoint(IPAddress.Any, 1701), Nat, out ushort holder));
        Assert.Equal(100, holder);
    }

    [Fact]
    public void Released_four_tuple_can_be_claimed_again_and_a_tunnel_id_only_once()
    {
        var claims = new KernelTunnelClaims();
        Assert.True(claims.TryClaim(100, Box, Nat, out _));
        Assert.False(claims.TryClaim(100, Box, new IPEndPoint(Nat.Address, 1800), out _));
        Assert.True(claims.Release(100));
        Assert.False(claims.Release(100));
        Assert.True(claims.TryClaim(200, Box, Nat, out _));
        Assert.Equal(1, claims.Count);
    }
}
