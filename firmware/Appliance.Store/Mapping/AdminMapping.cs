using Appliance.Store.Records;
using Appliance.Store.Schema;
using LiteDB;

namespace Appliance.Store.Mapping;

/// <summary>AdminCredential &lt;-&gt; BsonDocument in the meta collection.</summary>
internal static class AdminMapping
{
    public static BsonDocument ToDocument(AdminCredential admin) => new()
    {
        ["_id"] = Collections.AdminDocument,
        ["salt"] = admin.Salt,
        ["hash"] = admin.Hash,
        ["iterations"] = admin.Iterations,
        ["set"] = admin.SetUtc,
    };

    public static AdminCredential FromDocument(BsonDocument doc) => new(
        doc["salt"].AsBinary,
        doc["hash"].AsBinary,
        doc["iterations"].AsInt32,
        DateTime.SpecifyKind(doc["set"].AsDateTime.ToUniversalTime(), DateTimeKind.Utc));
}
