namespace Appliance.Store.Schema;

/// <summary>Names of the LiteDB collections and of the fixed documents in them.</summary>
internal static class Collections
{
    public const string Meta = "meta";
    public const string Config = "config";
    public const string Users = "users";

    /// <summary>Id of the document in <see cref="Meta"/> that holds the schema version.</summary>
    public const string SchemaDocument = "schema";
    /// <summary>Id of the document in <see cref="Meta"/> that holds the admin credential.</summary>
    public const string AdminDocument = "admin";
    /// <summary>Id of the single document in <see cref="Config"/>.</summary>
    public const string CurrentConfig = "current";
}
