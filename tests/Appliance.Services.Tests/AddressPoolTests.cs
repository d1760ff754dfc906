using System.Net;
using Appliance.Services.Config.Values;
using Appliance.Services.Vpn;

namespace Appliance.Services.Tests;

public class AddressPoolTests
{
    private static Ipv4Range Range(string text)
    {
        Assert.Null(Ipv4Range.TryParse(text, out var r));
        return r;
    }

    [Fact]
    public void Addresses_are_unique_lowest_first_and_come_back_after_release()
    {
        var pool = new AddressPool(Range("10.8.0.10-10.8.0.12"));
        var a = pool.Allocate(null);
        var b = pool.Allocate(null);
        var c = pool.Allocate(null);
        Assert.Equal(["10.8.0.10", "10.8.0.11", "10.8.0.12"], new[] { a, b, c }.Select(x => x!.ToString()));
        Assert.Null(pool.Allocate(null)); // exhausted
        pool.Release(b!);
        Assert.Equal(IPAddress.Parse("10.8.0.11"), pool.Allocate(null));
        Assert.Equal(3, pool.InUse);
    }

    [Fact]
    public void Static_addresses_are_kept_out_of_the_pool_and_given_only_once()
    {
        Assert.True(Ipv4.TryParse("10.8.0.10", out uint reserved));
        var pool = new AddressPool(Range("10.8.0.10-10.8.0.11"), [reserved]);
        Assert.Equal(IPAddress.Parse("10.8.0.11"), pool.Allocate(null));
        Assert.Null(pool.Allocate(null));
        var mine = IPAddress.Parse("10.8.0.10");
        Assert.Equal(mine, pool.Allocate(mine));
        Assert.Null(pool.Allocate(mine)); // the same user connected twice
        pool.Release(mine);
        Assert.Equal(mine, pool.Allocate(mine));
    }

    [Fact]
    public void A_pool_ending_at_the_top_of_the_address_space_does_not_wrap()
    {
        var pool = new AddressPool(new Ipv4Range(0xDFFFFFFE, 0xDFFFFFFF));
        Assert.NotNull(pool.Allocate(null));
        Assert.NotNull(pool.Allocate(null));
        Assert.Null(pool.Allocate(null));
    }
}
