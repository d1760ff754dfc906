using Appliance.Store.Records;
using LiteDB;

namespace Appliance.Store.Mapping;

/// <summary>UserRecord &lt;-&gt; BsonDocument; the user name is the document id.</summary>
internal static class UserMapping
{
    public static BsonDocument ToDocument(UserRecord user) => new()
    {
        ["_id"] = user.Name,
        ["enabled"] = user.Enabled,
        ["ntHash"] = user.NtHash,
        ["sealedPassword"] = user.SealedPassword,
        ["staticAddress"] = user.StaticAddress is null ? BsonValue.Null : user.StaticAddress,
        ["created"] = user.CreatedUtc,
    };

    public static UserRecord FromDocument(BsonDocument doc) => new(
        doc["_id"].AsString,
        doc["enabled"].AsBoolean,
        doc["ntHash"].AsBinary,
        doc["sealedPassword"].AsBinary,
        doc["staticAddress"].IsNull ? null : doc["staticAddress"].AsString,
        DateTime.SpecifyKind(doc["created"].AsDateTime.ToUniversalTime(), DateTimeKind.Utc));
}
