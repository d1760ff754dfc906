using Appliance.Services.Config.Values;

namespace Appliance.Services.Config;

/// <summary>Checks a whole configuration: each value on its own, then the rules that tie keys
/// together. Used before anything is written, so a refused change writes nothing.</summary>
public static class ConfigRules
{
    public static List<ConfigError> Check(IReadOnlyDictionary<string, string> values)
    {
        var errors = new List<ConfigError>();
        foreach (var (key, value) in values)
        {
            var schema = ConfigSchema.Find(key);
            if (schema is null) errors.Add(new(key, "unknown key (see 'appliance config show' for the keys)"));
            else if (schema.Check(value) is { } reason) errors.Add(new(key, reason));
        }
        foreach (var key in ConfigSchema.Keys)
            if (!values.ContainsKey(key.Name)) errors.Add(new(key.Name, "missing"));
        if (errors.Count > 0) return errors;

        if (values[ConfigSchema.LanInterface] == values[ConfigSchema.WanInterface])
            errors.Add(new(ConfigSchema.LanInterface, "must differ from wan.interface"));

        Ipv4Cidr.TryParseHost(values[ConfigSchema.LanAddress], out var lan);
        Ipv4Range.TryParse(values[ConfigSchema.VpnPool], out var pool);
        if (pool.Contains(lan.Address))
            errors.Add(new(ConfigSchema.VpnPool, $"contains the box's own LAN address {Ipv4.Format(lan.Address)}"));
        bool firstInside = lan.Contains(pool.First), lastInside = lan.Contains(pool.Last);
        if (firstInside != lastInside)
            errors.Add(new(ConfigSchema.VpnPool, $"must lie entirely inside or entirely outside the LAN subnet {Ipv4.Format(lan.Network)}/{lan.PrefixLength}"));
        else if (firstInside && (pool.Contains(lan.Network) || pool.Contains(lan.Broadcast)))
            errors.Add(new(ConfigSchema.VpnPool, "must not contain the LAN's network or broadcast address"));
        return errors;
    }
}
