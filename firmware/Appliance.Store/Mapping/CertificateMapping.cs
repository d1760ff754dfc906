using Appliance.Store.Records;
using LiteDB;

namespace Appliance.Store.Mapping;

/// <summary>The box's key pairs and the issued client certificates &lt;-&gt; BsonDocument.</summary>
internal static class CertificateMapping
{
    public static BsonDocument ToDocument(StoredKeyPair pair) => new()
    {
        ["_id"] = pair.Id,
        ["certificate"] = pair.CertificateDer,
        ["sealedKey"] = pair.SealedPrivateKey,
        ["stored"] = pair.StoredUtc,
    };

    public static StoredKeyPair KeyPairFromDocument(BsonDocument doc) => new(
        doc["_id"].AsString,
        doc["certificate"].AsBinary,
        doc["sealedKey"].AsBinary,
        DateTime.SpecifyKind(doc["stored"].AsDateTime.ToUniversalTime(), DateTimeKind.Utc));

    public static BsonDocument ToDocument(IssuedCertificate issued) => new()
    {
        ["_id"] = issued.SerialHex,
        ["name"] = issued.Name,
        ["certificate"] = issued.CertificateDer,
        ["issued"] = issued.IssuedUtc,
    };

    public static IssuedCertificate IssuedFromDocument(BsonDocument doc) => new(
        doc["_id"].AsString,
        doc["name"].AsString,
        doc["certificate"].AsBinary,
        DateTime.SpecifyKind(doc["issued"].AsDateTime.ToUniversalTime(), DateTimeKind.Utc));
}
