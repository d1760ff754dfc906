using Appliance.Store;

namespace Appliance.Services.Config;

/// <summary>Reads and changes the configuration. Every change is validated as a whole and written
/// as one store transaction; a refused change writes nothing.</summary>
public sealed class ConfigService(ApplianceStore store, Func<int, int> randomBelow)
{
    /// <summary>
    /// The configuration to run with. A fresh store gets factory defaults (with a fresh random
    /// PSK); keys added by a newer firmware get their defaults. A stored configuration that fails
    /// the rules (edited by hand, or from a buggy firmware) is refused with the errors.
    /// </summary>
    public ApplianceConfig LoadOrInitialize()
    {
        var stored = store.UpdateConfig(current =>
        {
            if (current is not null && ConfigSchema.Keys.All(k => current.Values.ContainsKey(k.Name)))
                return null;
            var values = ConfigSchema.Defaults(randomBelow);
            if (current is not null)
                foreach (var (key, value) in current.Values) values[key] = value;
            return values;
        })!;
        return ApplianceConfig.TryCreate(stored.Generation, stored.Values, out var errors)
            ?? throw new ConfigInvalidException(errors);
    }

    public ConfigChange Apply(IReadOnlyDictionary<string, string> changes)
    {
        List<ConfigError> errors = [];
        List<string> changed = [];
        ApplianceConfig? result = null;
        store.UpdateConfig(current =>
        {
            var merged = new Dictionary<string, string>(
                current?.Values ?? ConfigSchema.Defaults(randomBelow), StringComparer.Ordinal);
            foreach (var (key, value) in changes)
            {
                if (!merged.TryGetValue(key, out var old) || old != value) changed.Add(key);
                merged[key] = value;
            }
            result = ApplianceConfig.TryCreate((current?.Generation ?? 0) + 1, merged, out errors);
            return result is null || changed.Count == 0 ? null : merged;
        });
        if (result is null) return new ConfigChange(null, errors, []);
        return new ConfigChange(result, [], changed);
    }

    /// <summary>Back to factory state: new random PSK, default network settings, no users, no
    /// admin password.</summary>
    public ApplianceConfig FactoryReset()
    {
        var defaults = ConfigSchema.Defaults(randomBelow);
        store.Reset(defaults);
        return LoadOrInitialize();
    }
}
