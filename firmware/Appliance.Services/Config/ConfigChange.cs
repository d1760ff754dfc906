namespace Appliance.Services.Config;

/// <summary>The outcome of a configuration change: either refused (errors, nothing written) or
/// committed (the new configuration and which keys it changed).</summary>
public sealed record ConfigChange(ApplianceConfig? Config, IReadOnlyList<ConfigError> Errors, IReadOnlyList<string> ChangedKeys)
{
    public bool Refused => Errors.Count > 0;
}
