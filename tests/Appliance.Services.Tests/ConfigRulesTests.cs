using Appliance.Services.Config;

namespace Appliance.Services.Tests;

public class ConfigRulesTests
{
    private static Dictionary<string, string> Defaults() => ConfigSchema.Defaults(n => n - 1);

    private static List<ConfigError> CheckWith(string key, string value)
    {
        var values = Defaults();
        values[key] = value;
        return ConfigRules.Check(values);
    }

    [Fact]
    public void Factory_defaults_pass_every_rule() => Assert.Empty(ConfigRules.Check(Defaults()));

    [Fact]
    public void The_issue_names_these_keys()
    {
        string[] promised = ["wan.interface", "lan.interface", "lan.address", "vpn.psk", "vpn.pool", "vpn.dns", "vpn.security", "web.listen"];
        Assert.All(promised, k => Assert.NotNull(ConfigSchema.Find(k)));
    }

    [Theory]
    [InlineData("lan.address", "192.168.8.1")]
    [InlineData("lan.address", "192.168.8.0/24")]
    [InlineData("lan.address", "192.168.8.255/24")]
    [InlineData("lan.address", "192.168.8.1/31")]
    [InlineData("lan.address", "300.1.1.1/24")]
    [InlineData("lan.address", "127.0.0.1/8")]
    [InlineData("lan.address", "10.1/24")]
    [InlineData("vpn.pool", "192.168.8.250-192.168.8.200")]
    [InlineData("vpn.pool", "192.168.8.1-192.168.8.20")]
    [InlineData("vpn.pool", "192.168.8.250-192.168.9.10")]
    [InlineData("vpn.pool", "192.168.8.0-192.168.8.20")]
    [InlineData("vpn.pool", "10.0.0.1-10.1.0.1")]
    [InlineData("vpn.pool", "10.0.0.1")]
    [InlineData("vpn.psk", "short")]
    [InlineData("vpn.psk", " leading-space")]
    [InlineData("vpn.psk", "tab\tinside-key")]
    [InlineData("vpn.dns", "1.1.1.1,8.8.8.8,9.9.9.9")]
    [InlineData("vpn.dns", "dns.example")]
    [InlineData("vpn.dns", "224.0.0.1")]
    [InlineData("vpn.security", "strong")]
    [InlineData("vpn.datapath", "fast")]
    [InlineData("vpn.plain_l2tp_lan", "yes")]
    [InlineData("vpn.plain_l2tp_lan", "ON")]
    [InlineData("vpn.plain_l2tp_lan", "")]
    [InlineData("wan.interface", "eth1")]
    [InlineData("wan.interface", "a-very-long-interface")]
    [InlineData("wan.interface", "eth/0")]
    [InlineData("wan.interface", "")]
    [InlineData("web.listen", "0.0.0.0:80")]
    [InlineData("web.listen", "203.0.113.5:80")]
    [InlineData("web.listen", "70000")]
    [InlineData("web.listen", "80,")]
    public void Bad_values_are_refused_naming_the_key(string key, string value)
    {
        var errors = CheckWith(key, value);
        Assert.NotEmpty(errors);
        Assert.Contains(errors, e => e.Key == key || (key == "wan.interface" && e.Key == "lan.interface"));
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));
    }

    [Theory]
    [InlineData("lan.address", "10.0.0.1/8")]
    [InlineData("vpn.pool", "10.99.0.10-10.99.0.50")]
    [InlineData("vpn.dns", "192.168.8.1")]
    [InlineData("vpn.dns", "1.1.1.1,9.9.9.9")]
    [InlineData("vpn.security", "modern")]
    [InlineData("vpn.security", "legacy")]
    [InlineData("vpn.datapath", "userspace")]
    [InlineData("vpn.datapath", "kernel")]
    [InlineData("vpn.plain_l2tp_lan", "on")]
    [InlineData("vpn.plain_l2tp_lan", "off")]
    [InlineData("web.listen", "lan:8080,loopback:8080")]
    [InlineData("web.listen", "127.0.0.1:9000")]
    [InlineData("wan.interface", "wan0")]
    public void Good_values_are_accepted(string key, string value)
    {
        var values = Defaults();
        values[key] = value;
        if (key == "lan.address") values["vpn.pool"] = "10.0.0.200-10.0.0.249";
        Assert.Empty(ConfigRules.Check(values));
    }

    [Fact]
    public void Unknown_keys_are_refused()
    {
        var values = Defaults();
        values["vpn.pks"] = "x";
        Assert.Contains(ConfigRules.Check(values), e => e.Key == "vpn.pks" && e.Reason.Contains("unknown"));
    }

    [Fact]
    public void Every_box_gets_its_own_strong_psk()
    {
        var rng = new Random(1);
        string a = ConfigSchema.Defaults(n => rng.Next(n))[ConfigSchema.VpnPsk];
        string b = ConfigSchema.Defaults(n => rng.Next(n))[ConfigSchema.VpnPsk];
        Assert.NotEqual(a, b);
        Assert.Equal(24, a.Length);
        Assert.Null(ConfigSchema.Find(ConfigSchema.VpnPsk)!.Check(a));
        Assert.True(ConfigSchema.Find(ConfigSchema.VpnPsk)!.Secret);
    }

    [Fact]
    public void Plain_l2tp_on_the_lan_is_off_unless_asked_for()
    {
        var values = Defaults();
        Assert.Equal("off", values[ConfigSchema.VpnPlainL2tpLan]);
        Assert.False(ApplianceConfig.TryCreate(1, values, out _)!.PlainL2tpLan);
        values[ConfigSchema.VpnPlainL2tpLan] = "on";
        Assert.True(ApplianceConfig.TryCreate(2, values, out _)!.PlainL2tpLan);
        Assert.Contains("TESTING AND BENCHMARKS ONLY", ConfigSchema.Find(ConfigSchema.VpnPlainL2tpLan)!.Description);
    }
}
