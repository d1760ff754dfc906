using LiteDB;

namespace Appliance.Store.Schema;

/// <summary>Brings a store to the schema this firmware expects, or refuses one written by a newer
/// firmware (downgrading would silently drop what that firmware stored).</summary>
internal static class SchemaUpgrader
{
    public static int ReadVersion(ILiteDatabase db)
    {
        var doc = db.GetCollection(Collections.Meta).FindById(Collections.SchemaDocument);
        return doc is null ? 0 : doc["version"].AsInt32;
    }

    public static int Upgrade(ILiteDatabase db)
    {
        int current = ReadVersion(db);
        if (current > Migrations.Latest)
            throw new StoreException(
                $"store schema version {current} is newer than this firmware supports ({Migrations.Latest}); " +
                "install the newer firmware again or run 'appliance factory-reset --yes'");
        foreach (var step in Migrations.All)
        {
            if (step.ToVersion <= current) continue;
            if (!db.BeginTrans())
                throw new StoreException("store is busy with another transaction");
            try
            {
                step.Apply(db);
                db.GetCollection(Collections.Meta).Upsert(new BsonDocument
                {
                    ["_id"] = Collections.SchemaDocument,
                    ["version"] = step.ToVersion,
                });
                db.Commit();
            }
            catch
            {
                db.Rollback();
                throw;
            }
            current = step.ToVersion;
        }
        return current;
    }
}
