using LiteDB;

namespace Appliance.Store.Schema;

/// <summary>The ordered list of schema steps. Append; never edit a step that has shipped.</summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "initial collections: meta, config, users", db =>
        {
            // Users are looked up by name on every login; the name is the document id, so no
            // secondary index is needed. The index on 'enabled' serves the admin list filters.
            db.GetCollection(Collections.Users).EnsureIndex("enabled");
            db.GetCollection(Collections.Config);
        }),
    ];

    public static int Latest => All[^1].ToVersion;
}
