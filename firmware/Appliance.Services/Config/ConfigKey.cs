namespace Appliance.Services.Config;

/// <summary>One configuration key: its name (a promise to users and scripts), what it means,
/// how its value is checked on its own, and its factory default.</summary>
/// <param name="Secret">Shown masked by 'config show', never written to a log line.</param>
/// <param name="Check">Returns the reason a value is refused, or null when it is acceptable.</param>
/// <param name="Default">Produces the factory value; given the random source because the PSK
/// default must be fresh for every box, never a fixed string.</param>
public sealed record ConfigKey(
    string Name,
    string Description,
    bool Secret,
    Func<string, string?> Check,
    Func<Func<int, int>, string> Default);
