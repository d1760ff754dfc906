using LiteDB;

namespace Appliance.Store.Schema;

/// <summary>One step of the store's schema, from <see cref="ToVersion"/> - 1 to
/// <see cref="ToVersion"/>. Steps run in order inside the transaction that records the new version,
/// so an interrupted upgrade leaves the store at the old version, to be retried at next start.</summary>
internal sealed record Migration(int ToVersion, string Description, Action<ILiteDatabase> Apply);
