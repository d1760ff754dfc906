namespace Appliance.Store.Records;

/// <summary>
/// The whole configuration as one record. It is stored as a single document so that a change of
/// any number of keys is one write inside one transaction: after a crash the store holds either
/// the old or the new configuration, never a mix.
/// </summary>
/// <param name="Generation">Increases by one with every committed change.</param>
/// <param name="Values">Key to textual value, as the command line and the web page show them.</param>
public sealed record StoredConfig(long Generation, IReadOnlyDictionary<string, string> Values);
