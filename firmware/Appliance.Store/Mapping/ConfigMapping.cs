using Appliance.Store.Records;
using Appliance.Store.Schema;
using LiteDB;

namespace Appliance.Store.Mapping;

/// <summary>StoredConfig &lt;-&gt; BsonDocument, by hand (no reflection mapper under NativeAOT).</summary>
internal static class ConfigMapping
{
    public static BsonDocument ToDocument(StoredConfig config)
    {
        var values = new BsonDocument();
        // BsonDocument field names may not contain '.', which every config key does; the values
        // are therefore kept as an array of [key, value] pairs.
        var pairs = new BsonArray();
        foreach (var (key, value) in config.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
            pairs.Add(new BsonArray { key, value });
        return new BsonDocument
        {
            ["_id"] = Collections.CurrentConfig,
            ["generation"] = config.Generation,
            ["values"] = pairs,
        };
    }

    public static StoredConfig FromDocument(BsonDocument doc)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in doc["values"].AsArray)
        {
            var kv = pair.AsArray;
            if (kv.Count != 2 || !kv[0].IsString || !kv[1].IsString)
                throw new StoreException("stored configuration is damaged: a value is not a key/value pair");
            values[kv[0].AsString] = kv[1].AsString;
        }
        return new StoredConfig(doc["generation"].AsInt64, values);
    }
}
