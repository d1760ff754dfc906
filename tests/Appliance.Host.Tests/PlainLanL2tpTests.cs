using System.Net;
using Appliance.Host.Daemon;
using Appliance.Host.Daemon.Esp;
using Appliance.Platform.Linux.Netlink;
using Appliance.Services.Config.Values;

namespace Appliance.Host.Tests;

/// <summary>vpn.plain_l2tp_lan: which clear datagrams are served, and that a plain peer's carrier
/// can never be mistaken for a client's ESP carrier (whose loss tears down tunnels and IKE SAs).</summary>
public class PlainLanL2tpTests
{
    private static PlainLanL2tp Lan(string cidr)
    {
        Assert.Null(Ipv4Cidr.TryParseHost(cidr, out var lan));
        return new PlainLanL2tp(lan);
    }

    private static IPEndPoint Ep(string address, int port = 1701) => new(IPAddress.Parse(address), port);

    [Fact]
    public void No_esp_carrier_is_in_the_plain_range_and_no_plain_carrier_names_an_esp_client()
    {
        var carriers = new ClientCarriers();
        for (int i = 0; i < 0xffff; i++) carriers.Acquire(new IPEndPoint(new IPAddress(0x0a000000u + (uint)i), 4500), out _);
        for (uint id = 1; id <= 0xffff; id++) Assert.False(PlainLanL2tp.IsPlainCarrier(ClientCarriers.Carrier(id)));
        foreach (int octet in new[] { 0, 1, 77, 254, 255 })
            foreach (int port in new[] { 0, 1, 1701, 40000, 65535 })
            {
                uint plain = PlainLanL2tp.CarrierOf(Ep($"192.168.8.{octet}", port));
                Assert.True(PlainLanL2tp.IsPlainCarrier(plain));
                Assert.Null(carriers.PeerOf(plain));
            }
    }

    [Fact]
    public void Peers_of_a_slash_24_get_distinct_carriers()
    {
        var seen = new HashSet<uint>();
        for (int octet = 1; octet < 255; octet += 23)
            for (int port = 1024; port < 65536; port += 4099)
                Assert.True(seen.Add(PlainLanL2tp.CarrierOf(Ep($"192.168.8.{octet}", port))));
    }

    [Theory]
    [InlineData("192.168.8.20", "192.168.8.1", true)]
    [InlineData("192.168.8.254", "192.168.8.1", true)]
    [InlineData("192.168.9.20", "192.168.8.1", false)]   // outside the LAN subnet
    [InlineData("203.0.113.9", "192.168.8.1", false)]    // the WAN
    [InlineData("192.168.8.20", "203.0.113.1", false)]   // sent to the WAN address
    [InlineData("192.168.8.1", "192.168.8.1", false)]    // the box itself
    [InlineData("192.168.8.0", "192.168.8.1", false)]    // network address
    [InlineData("192.168.8.255", "192.168.8.1", false)]  // broadcast
    public void Only_lan_hosts_talking_to_the_lan_address_are_admitted(string from, string to, bool admitted) =>
        Assert.Equal(admitted, Lan("192.168.8.1/24").Admits(Ep(from, 40000), IPAddress.Parse(to)));

    [Fact]
    public void Bypass_policies_cover_the_lan_subnet_and_l2tp_only_between_client_policies_and_guards()
    {
        var policies = Lan("10.20.30.1/16").BypassPolicies();
        Assert.Equal(2, policies.Count);
        var inbound = Assert.Single(policies, p => p.Direction == XfrmPolicyDirection.In);
        var outbound = Assert.Single(policies, p => p.Direction == XfrmPolicyDirection.Out);
        Assert.Equal(new XfrmSelector(IPAddress.Parse("10.20.0.0"), IPAddress.Parse("10.20.30.1"), DestinationPort: 1701, SourcePrefix: 16),
            inbound.Selector);
        Assert.Equal(new XfrmSelector(IPAddress.Parse("10.20.30.1"), IPAddress.Parse("10.20.0.0"), SourcePort: 1701, DestinationPrefix: 16),
            outbound.Selector);
        Assert.All(policies, p =>
        {
            Assert.True(p.Bypass);
            Assert.False(p.Block);
            Assert.Null(p.Mark);
            Assert.InRange(p.Priority, 1001u, 1999u);
        });
    }
}
