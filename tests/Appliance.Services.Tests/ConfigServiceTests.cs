using Appliance.Services.Config;
using Appliance.Store;

namespace Appliance.Services.Tests;

public class ConfigServiceTests
{
    [Fact]
    public void A_fresh_store_gets_defaults_once()
    {
        using var dir = new TempDir();
        using var store = ApplianceStore.Open(dir.Path);
        var service = new ConfigService(store, System.Security.Cryptography.RandomNumberGenerator.GetInt32);
        var first = service.LoadOrInitialize();
        var again = service.LoadOrInitialize();
        Assert.Equal(first.Generation, again.Generation);
        Assert.Equal(first.Values[ConfigSchema.VpnPsk], again.Values[ConfigSchema.VpnPsk]);
    }

    [Fact]
    public void A_refused_change_writes_nothing_even_with_good_keys_beside_it()
    {
        using var dir = new TempDir();
        using var store = ApplianceStore.Open(dir.Path);
        var service = new ConfigService(store, System.Security.Cryptography.RandomNumberGenerator.GetInt32);
        var before = service.LoadOrInitialize();
        var change = service.Apply(new Dictionary<string, string>
        {
            [ConfigSchema.VpnSecurity] = "modern",
            [ConfigSchema.VpnPool] = "not-a-range",
        });
        Assert.True(change.Refused);
        Assert.Contains(change.Errors, e => e.Key == ConfigSchema.VpnPool);
        var after = service.LoadOrInitialize();
        Assert.Equal(before.Generation, after.Generation);
        Assert.Equal("compatible", after.VpnSecurity);
    }

    [Fact]
    public void Cross_key_rules_are_checked_against_the_merged_result()
    {
        using var dir = new TempDir();
        using var store = ApplianceStore.Open(dir.Path);
        var service = new ConfigService(store, System.Security.Cryptography.RandomNumberGenerator.GetInt32);
        service.LoadOrInitialize();
        // Shrinking the LAN to .224/27 alone would leave the default pool (.200-.249) half in: refused.
        var refused = service.Apply(new Dictionary<string, string> { [ConfigSchema.LanAddress] = "192.168.8.225/27" });
        Assert.Contains(refused.Errors, e => e.Key == ConfigSchema.VpnPool);
        // Moving both together is one consistent change.
        var accepted = service.Apply(new Dictionary<string, string>
        {
            [ConfigSchema.LanAddress] = "10.20.0.1/24",
            [ConfigSchema.VpnPool] = "10.20.0.100-10.20.0.150",
        });
        Assert.False(accepted.Refused);
        Assert.Equal(2, accepted.ChangedKeys.Count);
    }

    [Fact]
    public void Factory_reset_makes_a_new_psk_and_forgets_users_and_admin()
    {
        using var dir = new TempDir();
        using var store = ApplianceStore.Open(dir.Path);
        var service = new ConfigService(store, System.Security.Cryptography.RandomNumberGenerator.GetInt32);
        var before = service.LoadOrInitialize();
        service.Apply(new Dictionary<string, string> { [ConfigSchema.VpnSecurity] = "legacy" });
        new Admin.AdminCredentials(store, TimeProvider.System).TrySetInitial("admin-password-1");
        var after = service.FactoryReset();
        Assert.NotEqual(before.Values[ConfigSchema.VpnPsk], after.Values[ConfigSchema.VpnPsk]);
        Assert.Equal("compatible", after.VpnSecurity);
        Assert.False(new Admin.AdminCredentials(store, TimeProvider.System).IsSet);
    }

    [Fact]
    public void Export_then_import_round_trips_and_refuses_damaged_files()
    {
        using var dir = new TempDir();
        string file = System.IO.Path.Combine(dir.Path, "backup.json");
        var values = ConfigSchema.Defaults(n => 0);
        ConfigFile.Write(file, values);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(values, ConfigFile.Read(file, out _));

        File.WriteAllText(file, "{\"vpn.psk\": 5}");
        Assert.Null(ConfigFile.Read(file, out var e1));
        Assert.Contains("vpn.psk", e1);
        File.WriteAllText(file, "{\"vpn.psk\": \"a\", \"vpn.psk\": \"b\"}");
        Assert.Null(ConfigFile.Read(file, out var e2));
        Assert.Contains("twice", e2);
        File.WriteAllText(file, "{\"vpn.ps");
        Assert.Null(ConfigFile.Read(file, out var e3));
        Assert.Contains("JSON", e3);
    }
}
