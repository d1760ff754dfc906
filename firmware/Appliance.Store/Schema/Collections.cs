namespace Appliance.Store.Schema;

/// <summary>Names of the LiteDB collections and of the fixed documents in them.</summary>
internal static class Collections
{
    public const string Meta = "meta";
    public const string Config = "config";
    public const string Users = "users";
    /// <summary>The box's own key pairs (CA, IKE server), by <see cref="Records.StoredKeyPair.Id"/>.</summary>
    public const string KeyPairs = "keyPairs";
    /// <summary>Client certificates the box's CA issued, by serial number.</summary>
    public const string IssuedCertificates = "issuedCertificates";

    /// <summary>Id of the document in <see cref="Meta"/> that holds the schema version.</summary>
    public const string SchemaDocument = "schema";
    /// <summary>Id of the document in <see cref="Meta"/> that holds the admin credential.</summary>
    public const string AdminDocument = "admin";
    /// <summary>Id of the single document in <see cref="Config"/>.</summary>
    public const string CurrentConfig = "current";
}
