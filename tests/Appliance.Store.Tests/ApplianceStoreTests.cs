using Appliance.Store.Records;
using LiteDB;

namespace Appliance.Store.Tests;

public class ApplianceStoreTests
{
    [Fact]
    public void A_new_store_is_migrated_to_the_latest_schema()
    {
        using var dir = new TempDir();
        using var store = ApplianceStore.Open(dir.Path);
        Assert.Equal(ApplianceStore.LatestSchemaVersion, store.SchemaVersion);
        Assert.Null(store.ReadConfig());
    }

    [Fact]
    public void A_store_from_a_newer_firmware_is_refused_with_the_reason()
    {
        using var dir = new TempDir();
        using (var db = new LiteDatabase(System.IO.Path.Combine(dir.Path, ApplianceStore.FileName)))
            db.GetCollection("meta").Upsert(new BsonDocument { ["_id"] = "schema", ["version"] = 99 });
        var e = Assert.Throws<StoreException>(() => ApplianceStore.Open(dir.Path));
        Assert.Contains("newer than this firmware", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_refused_with_the_path()
    {
        using var dir = new TempDir();
        File.WriteAllText(System.IO.Path.Combine(dir.Path, ApplianceStore.FileName), new string('x', 20000));
        var e = Assert.Throws<StoreException>(() => ApplianceStore.Open(dir.Path));
        Assert.Contains(ApplianceStore.FileName, e.Message);
    }

    [Fact]
    public void Config_round_trips_with_dotted_keys_and_generation()
    {
        using var dir = new TempDir();
        using (var store = ApplianceStore.Open(dir.Path))
        {
            store.UpdateConfig(_ => new Dictionary<string, string> { ["vpn.psk"] = "p=s k\"", ["lan.address"] = "10.0.0.1/24" });
            store.UpdateConfig(c => new Dictionary<string, string>(c!.Values) { ["vpn.dns"] = "auto" });
        }
        using var reopened = ApplianceStore.Open(dir.Path);
        var config = reopened.ReadConfig()!;
        Assert.Equal(2, config.Generation);
        Assert.Equal("p=s k\"", config.Values["vpn.psk"]);
        Assert.Equal(3, config.Values.Count);
    }

    [Fact]
    public void A_failing_change_rolls_back()
    {
        using var dir = new TempDir();
        using var store = ApplianceStore.Open(dir.Path);
        store.UpdateConfig(_ => new Dictionary<string, string> { ["a.b"] = "1" });
        Assert.Throws<InvalidOperationException>(() => store.UpdateConfig(_ => throw new InvalidOperationException()));
        Assert.Equal("1", store.ReadConfig()!.Values["a.b"]);
        Assert.Equal(1, store.UpdateConfig(_ => null)!.Generation);
    }

    [Fact]
    public void Two_openers_of_one_file_never_lose_an_update()
    {
        using var dir = new TempDir();
        using var a = ApplianceStore.Open(dir.Path);
        using var b = ApplianceStore.Open(dir.Path);
        a.UpdateConfig(_ => new Dictionary<string, string> { ["n.n"] = "0" });
        Parallel.For(0, 40, i =>
        {
            var store = i % 2 == 0 ? a : b;
            store.UpdateConfig(c => new Dictionary<string, string> { ["n.n"] = (int.Parse(c!.Values["n.n"]) + 1).ToString() });
        });
        Assert.Equal("40", b.ReadConfig()!.Values["n.n"]);
        Assert.Equal(41, a.ReadConfig()!.Generation);
    }

    [Fact]
    public void Users_and_admin_round_trip_and_reset_clears_them()
    {
        using var dir = new TempDir();
        using var store = ApplianceStore.Open(dir.Path);
        var user = new UserRecord("Alice", true, new byte[16], [1, 2, 3], "10.0.0.9", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        Assert.True(store.AddUser(user));
        Assert.False(store.AddUser(user));
        Assert.False(store.AddUser(user with { Name = "alice" }));
        Assert.Equal("Alice", store.FindUser("alice")!.Name);
        var read = store.FindUser("Alice")!;
        Assert.Equal(user.CreatedUtc, read.CreatedUtc);
        Assert.Equal("10.0.0.9", read.StaticAddress);
        Assert.True(store.SetAdminIfUnset(new AdminCredential([1], [2], 3, DateTime.UtcNow)));
        Assert.False(store.SetAdminIfUnset(new AdminCredential([9], [9], 9, DateTime.UtcNow)));
        Assert.Equal([1], store.ReadAdmin()!.Salt);
        store.Reset(new Dictionary<string, string> { ["x.y"] = "z" });
        Assert.Empty(store.ListUsers());
        Assert.Null(store.ReadAdmin());
        Assert.Equal("z", store.ReadConfig()!.Values["x.y"]);
    }
}
