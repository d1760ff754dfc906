using Appliance.Services.Certificates;

namespace Appliance.Services.Tests.Certificates;

public class ServerNameTests
{
    [Theory]
    [InlineData("vpn.example.org", "vpn.example.org", false)]
    [InlineData("VPN.Example.ORG.", "vpn.example.org", false)]
    [InlineData("box", "box", false)]
    [InlineData(" 203.0.113.7 ", "203.0.113.7", true)]
    [InlineData("2001:DB8::1", "2001:db8::1", true)]
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example", false)]
    public void Accepted(string text, string expected, bool address)
    {
        Assert.Null(ServerName.TryParse(text, out var name));
        Assert.Equal(expected, name!.Text);
        Assert.Equal(address, name.IsAddress);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("a..b")]
    [InlineData("-a.b")]
    [InlineData("a_b.example")]
    [InlineData("bücher.example")]
    [InlineData("1.2.3.256")]
    [InlineData("::g")]
    [InlineData("*.example.org")]
    public void Refused(string text) => Assert.NotNull(ServerName.TryParse(text, out _));

    [Fact]
    public void Lists_drop_duplicates_keep_order_and_are_bounded()
    {
        Assert.Null(ServerName.TryParseList(["b.example", "a.example", "B.example"], out var names));
        Assert.Equal(["b.example", "a.example"], names.Select(n => n.Text));
        Assert.NotNull(ServerName.TryParseList([], out _));
        Assert.NotNull(ServerName.TryParseList(Enumerable.Range(0, 17).Select(i => $"h{i}.example"), out _));
        Assert.NotNull(ServerName.TryParse(new string('a', 64) + ".example", out _)); // label over 63
    }
}
