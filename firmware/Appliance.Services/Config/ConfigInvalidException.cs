namespace Appliance.Services.Config;

/// <summary>The stored configuration breaks the rules; the message lists each key and reason.</summary>
public sealed class ConfigInvalidException(IReadOnlyList<ConfigError> errors)
    : Exception("stored configuration is invalid: " + string.Join("; ", errors))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}
