using System.Security.Cryptography;
using Appliance.Services.Users;
using Appliance.Store;

namespace Appliance.Services.Tests;

public class UserServiceTests
{
    private static (TempDir, ApplianceStore, UserService, PasswordSealer) Make()
    {
        var dir = new TempDir();
        var store = ApplianceStore.Open(dir.Path);
        var sealer = new PasswordSealer(DeviceKey.LoadOrCreate(dir.Path));
        return (dir, store, new UserService(store, sealer, TimeProvider.System), sealer);
    }

    [Fact]
    public void Passwords_are_kept_as_nt_hash_and_sealed_value_never_in_clear()
    {
        var (dir, store, users, sealer) = Make();
        using (dir) using (store) using (sealer)
        {
            Assert.Null(users.Add("alice", "correct horse", null));
            var record = store.FindUser("alice")!;
            Assert.Equal("correct horse", sealer.Unseal("alice", record.SealedPassword));
            // Bound to the name: the same sealed bytes do not open under another user.
            Assert.Null(sealer.Unseal("bob", record.SealedPassword));
            byte[] file = File.ReadAllBytes(System.IO.Path.Combine(dir.Path, ApplianceStore.FileName));
            Assert.DoesNotContain("correct horse", System.Text.Encoding.Latin1.GetString(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite,
                File.GetUnixFileMode(System.IO.Path.Combine(dir.Path, DeviceKey.FileName)));
        }
    }

    [Fact]
    public void Refusals_name_the_field()
    {
        var (dir, store, users, sealer) = Make();
        using (dir) using (store) using (sealer)
        {
            Assert.StartsWith("password:", users.Add("bob", "short", null));
            Assert.StartsWith("name:", users.Add("", "long enough", null));
            Assert.StartsWith("name:", users.Add(" bob", "long enough", null));
            Assert.StartsWith("static address:", users.Add("bob", "long enough", "10.0.0"));
            Assert.Null(users.Add("bob", "long enough", "10.0.0.5"));
            Assert.StartsWith("name:", users.Add("bob", "long enough", null));
            Assert.StartsWith("name:", users.SetPassword("carol", "long enough"));
            Assert.Single(users.List());
        }
    }

    [Fact]
    public void A_damaged_device_key_is_reported_not_replaced()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(System.IO.Path.Combine(dir.Path, DeviceKey.FileName), RandomNumberGenerator.GetBytes(7));
        var e = Assert.Throws<InvalidDataException>(() => DeviceKey.LoadOrCreate(dir.Path));
        Assert.Contains("damaged", e.Message);
    }
}
