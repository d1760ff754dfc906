namespace Appliance.Services.Config;

/// <summary>Why a configuration value was refused: the key and the reason, for the admin.</summary>
public sealed record ConfigError(string Key, string Reason)
{
    public override string ToString() => $"{Key}: {Reason}";
}
