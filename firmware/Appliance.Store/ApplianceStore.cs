using Appliance.Store.Mapping;
using Appliance.Store.Records;
using Appliance.Store.Schema;
using LiteDB;

namespace Appliance.Store;

/// <summary>
/// The appliance's database: configuration, users and the admin credential in one LiteDB file in
/// the data directory. Opened in LiteDB's shared mode, so the daemon and a management command can
/// both use it; every change is a transaction, serialized across processes by LiteDB's lock.
/// </summary>
public sealed class ApplianceStore : IDisposable
{
    public const string FileName = "appliance.db";

    private readonly LiteDatabase _db;

    private ApplianceStore(LiteDatabase db, string path, int schemaVersion)
    {
        _db = db;
        Path = path;
        SchemaVersion = schemaVersion;
    }

    public string Path { get; }
    public int SchemaVersion { get; }
    public static int LatestSchemaVersion => Migrations.Latest;

    /// <summary>Opens (creating if needed) and upgrades the store in <paramref name="dataDir"/>.</summary>
    /// <exception cref="StoreException">The directory or the file is unusable; the message says why.</exception>
    public static ApplianceStore Open(string dataDir)
    {
        string path = System.IO.Path.Combine(dataDir, FileName);
        LiteDatabase? db = null;
        try
        {
            db = new LiteDatabase(new ConnectionString
            {
                Filename = path,
                Connection = ConnectionType.Shared,
            });
            int version = SchemaUpgrader.Upgrade(db);
            return new ApplianceStore(db, path, version);
        }
        catch (StoreException)
        {
            db?.Dispose();
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A damaged file makes LiteDB throw whatever its reader tripped over (range, cast,
            // format errors): all of them mean the same thing to the admin.
            db?.Dispose();
            throw new StoreException($"cannot open store {path}: {e.Message}", e);
        }
    }

    public StoredConfig? ReadConfig()
    {
        var doc = _db.GetCollection(Collections.Config).FindById(Collections.CurrentConfig);
        return doc is null ? null : ConfigMapping.FromDocument(doc);
    }

    /// <summary>
    /// Read-modify-write of the configuration as one transaction: <paramref name="change"/> sees the
    /// committed configuration (null on a fresh store) and returns the values to store, or null to
    /// leave it unchanged. No other writer can interleave between the read and the write.
    /// </summary>
    public StoredConfig? UpdateConfig(Func<StoredConfig?, IReadOnlyDictionary<string, string>?> change) =>
        InTransaction(() =>
        {
            var current = ReadConfig();
            var values = change(current);
            if (values is null) return current;
            var next = new StoredConfig((current?.Generation ?? 0) + 1, values);
            _db.GetCollection(Collections.Config).Upsert(ConfigMapping.ToDocument(next));
            return next;
        });

    public UserRecord? FindUser(string name)
    {
        var doc = _db.GetCollection(Collections.Users).FindById(name);
        return doc is null ? null : UserMapping.FromDocument(doc);
    }

    public IReadOnlyList<UserRecord> ListUsers() =>
        _db.GetCollection(Collections.Users).FindAll()
            .Select(UserMapping.FromDocument)
            .OrderBy(u => u.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>Adds a user; false when the name is taken.</summary>
    public bool AddUser(UserRecord user) =>
        InTransaction(() =>
        {
            var users = _db.GetCollection(Collections.Users);
            if (users.FindById(user.Name) is not null) return false;
            users.Insert(UserMapping.ToDocument(user));
            return true;
        });

    /// <summary>Replaces an existing user; false when there is none of that name.</summary>
    public bool ReplaceUser(UserRecord user) =>
        InTransaction(() => _db.GetCollection(Collections.Users).Update(UserMapping.ToDocument(user)));

    public bool DeleteUser(string name) =>
        InTransaction(() => _db.GetCollection(Collections.Users).Delete(name));

    public StoredKeyPair? ReadKeyPair(string id)
    {
        var doc = _db.GetCollection(Collections.KeyPairs).FindById(id);
        return doc is null ? null : CertificateMapping.KeyPairFromDocument(doc);
    }

    /// <summary>Stores a key pair only if none of that id exists; false otherwise. Two processes
    /// creating the CA at first start: one wins, the other reads the winner's.</summary>
    public bool AddKeyPairIfAbsent(StoredKeyPair pair) =>
        InTransaction(() =>
        {
            var pairs = _db.GetCollection(Collections.KeyPairs);
            if (pairs.FindById(pair.Id) is not null) return false;
            pairs.Insert(CertificateMapping.ToDocument(pair));
            return true;
        });

    /// <summary>
    /// Replaces the key pair <paramref name="pair"/>.Id only while the stored one still has the
    /// certificate <paramref name="expectedCertificateDer"/> (null: while there is none), so a
    /// re-issue computed from a stale read cannot overwrite a newer one. False when it changed.
    /// </summary>
    public bool ReplaceKeyPair(StoredKeyPair pair, byte[]? expectedCertificateDer) =>
        InTransaction(() =>
        {
            var pairs = _db.GetCollection(Collections.KeyPairs);
            var current = pairs.FindById(pair.Id);
            bool unchanged = current is null
                ? expectedCertificateDer is null
                : expectedCertificateDer is not null && current["certificate"].AsBinary.AsSpan().SequenceEqual(expectedCertificateDer);
            if (!unchanged) return false;
            pairs.Upsert(CertificateMapping.ToDocument(pair));
            return true;
        });

    public void AddIssuedCertificate(IssuedCertificate issued) =>
        InTransaction(() => _db.GetCollection(Collections.IssuedCertificates).Insert(CertificateMapping.ToDocument(issued)));

    public IReadOnlyList<IssuedCertificate> ListIssuedCertificates() =>
        _db.GetCollection(Collections.IssuedCertificates).FindAll()
            .Select(CertificateMapping.IssuedFromDocument)
            .OrderBy(c => c.IssuedUtc)
            .ToList();

    public AdminCredential? ReadAdmin()
    {
        var doc = _db.GetCollection(Collections.Meta).FindById(Collections.AdminDocument);
        return doc is null ? null : AdminMapping.FromDocument(doc);
    }

    /// <summary>Sets the admin credential only if none exists (first-boot setup); false otherwise,
    /// so two browsers racing through setup cannot overwrite each other.</summary>
    public bool SetAdminIfUnset(AdminCredential admin) =>
        InTransaction(() =>
        {
            var meta = _db.GetCollection(Collections.Meta);
            if (meta.FindById(Collections.AdminDocument) is not null) return false;
            meta.Insert(AdminMapping.ToDocument(admin));
            return true;
        });

    public void ReplaceAdmin(AdminCredential admin) =>
        InTransaction(() => _db.GetCollection(Collections.Meta).Upsert(AdminMapping.ToDocument(admin)));

    /// <summary>Factory reset: users, admin credential, the box's CA and server key pairs and the
    /// record of issued certificates gone and the configuration replaced by <paramref name="defaults"/>,
    /// all in one transaction. A new CA is made at next use, so certificates issued before the
    /// reset are no longer trusted.</summary>
    public void Reset(IReadOnlyDictionary<string, string> defaults) =>
        InTransaction(() =>
        {
            _db.GetCollection(Collections.Users).DeleteAll();
            _db.GetCollection(Collections.Meta).Delete(Collections.AdminDocument);
            _db.GetCollection(Collections.KeyPairs).DeleteAll();
            _db.GetCollection(Collections.IssuedCertificates).DeleteAll();
            var config = _db.GetCollection(Collections.Config);
            long generation = config.FindById(Collections.CurrentConfig) is { } doc ? doc["generation"].AsInt64 : 0;
            config.Upsert(ConfigMapping.ToDocument(new StoredConfig(generation + 1, defaults)));
            return true;
        });

    private T InTransaction<T>(Func<T> work)
    {
        try
        {
            if (!_db.BeginTrans())
                throw new StoreException("store is busy with another transaction");
            try
            {
                T result = work();
                _db.Commit();
                return result;
            }
            catch
            {
                _db.Rollback();
                throw;
            }
        }
        catch (LiteException e)
        {
            throw new StoreException($"store write failed, nothing was changed: {e.Message}", e);
        }
    }

    public void Dispose() => _db.Dispose();
}
