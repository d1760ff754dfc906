using Appliance.Store.Records;
using LiteDB;

namespace Appliance.Store.Tests;

public class CertificateStoreTests
{
    private static readonly DateTime When = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    [Fact]
    public void A_version_1_store_is_upgraded_and_keeps_its_users()
    {
        using var dir = new TempDir();
        using (var db = new LiteDatabase(System.IO.Path.Combine(dir.Path, ApplianceStore.FileName)))
        {
            db.GetCollection("meta").Upsert(new BsonDocument { ["_id"] = "schema", ["version"] = 1 });
            db.GetCollection("users").Insert(new BsonDocument
            {
                ["_id"] = "alice", ["enabled"] = true, ["ntHash"] = new byte[16], ["sealedPassword"] = new byte[40],
                ["staticAddress"] = BsonValue.Null, ["created"] = When,
            });
        }
        using var store = ApplianceStore.Open(dir.Path);
        Assert.Equal(2, store.SchemaVersion);
        Assert.NotNull(store.FindUser("alice"));
        Assert.Null(store.ReadKeyPair(StoredKeyPair.Ca));
        Assert.Empty(store.ListIssuedCertificates());
    }

    [Fact]
    public void Key_pairs_are_added_once_and_replaced_only_from_the_version_the_writer_read()
    {
        using var dir = new TempDir();
        using var store = ApplianceStore.Open(dir.Path);
        var first = new StoredKeyPair(StoredKeyPair.Server, [1, 2, 3], [9, 9], When);
        Assert.True(store.AddKeyPairIfAbsent(first));
        Assert.False(store.AddKeyPairIfAbsent(first with { CertificateDer = [4] }));
        Assert.Equal([1, 2, 3], store.ReadKeyPair(StoredKeyPair.Server)!.CertificateDer);

        var second = first with { CertificateDer = [5, 6], SealedPrivateKey = [7] };
        Assert.False(store.ReplaceKeyPair(second, expectedCertificateDer: [4]));      // stale read
        Assert.False(store.ReplaceKeyPair(second, expectedCertificateDer: null));     // thought there was none
        Assert.True(store.ReplaceKeyPair(second, expectedCertificateDer: [1, 2, 3]));
        var read = store.ReadKeyPair(StoredKeyPair.Server)!;
        Assert.Equal([5, 6], read.CertificateDer);
        Assert.Equal([7], read.SealedPrivateKey);
        Assert.Equal(When, read.StoredUtc);
        Assert.True(store.ReplaceKeyPair(first with { Id = StoredKeyPair.Ca }, expectedCertificateDer: null));
    }

    [Fact]
    public void Issued_certificates_are_listed_oldest_first()
    {
        using var dir = new TempDir();
        using var store = ApplianceStore.Open(dir.Path);
        store.AddIssuedCertificate(new IssuedCertificate("0b", "bob", [2], When.AddDays(1)));
        store.AddIssuedCertificate(new IssuedCertificate("0a", "alice", [1], When));
        Assert.Equal(["alice", "bob"], store.ListIssuedCertificates().Select(c => c.Name));
    }
}
