using Appliance.Services.Config.Values;

namespace Appliance.Services.Config;

/// <summary>A configuration that passed <see cref="ConfigRules"/>, with typed values.</summary>
public sealed class ApplianceConfig
{
    private ApplianceConfig(long generation, IReadOnlyDictionary<string, string> values)
    {
        Generation = generation;
        Values = values;
        Ipv4Cidr.TryParseHost(values[ConfigSchema.LanAddress], out var lan);
        LanAddress = lan;
        Ipv4Range.TryParse(values[ConfigSchema.VpnPool], out var pool);
        VpnPool = pool;
        ListenEndpoint.TryParseList(values[ConfigSchema.WebListen], out var listen);
        WebListen = listen;
    }

    public long Generation { get; }
    public IReadOnlyDictionary<string, string> Values { get; }
    public string WanInterface => Values[ConfigSchema.WanInterface];
    public string LanInterface => Values[ConfigSchema.LanInterface];
    public Ipv4Cidr LanAddress { get; }
    public Ipv4Range VpnPool { get; }
    public string VpnSecurity => Values[ConfigSchema.VpnSecurity];
    public IReadOnlyList<ListenEndpoint> WebListen { get; }
    /// <summary>Testing and benchmarks only: L2TP in clear from the LAN subnet is accepted.</summary>
    public bool PlainL2tpLan => Values.TryGetValue(ConfigSchema.VpnPlainL2tpLan, out var v) && v == "on";

    /// <summary>Builds the typed view, or returns the errors that make the values unusable.</summary>
    public static ApplianceConfig? TryCreate(long generation, IReadOnlyDictionary<string, string> values, out List<ConfigError> errors)
    {
        errors = ConfigRules.Check(values);
        return errors.Count == 0 ? new ApplianceConfig(generation, values) : null;
    }
}
