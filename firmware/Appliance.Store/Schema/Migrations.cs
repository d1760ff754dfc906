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
        new(2, "certificates: the box's key pairs and the client certificates its CA issued", db =>
        {
            // The key pairs are found by id ("ca", "server"); issued certificates by serial (the
            // id) or, for 'cert list' and revocation by user, by name.
            db.GetCollection(Collections.KeyPairs);
            db.GetCollection(Collections.IssuedCertificates).EnsureIndex("name");
        }),
    ];

    public static int Latest => All[^1].ToVersion;
}
