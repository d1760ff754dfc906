using Appliance.Protocols.Crypto;
using Appliance.Services.Config.Values;
using Appliance.Store;
using Appliance.Store.Records;

namespace Appliance.Services.Users;

/// <summary>VPN users: add, remove, list, change password, enable or disable.</summary>
public sealed class UserService(ApplianceStore store, PasswordSealer sealer, TimeProvider time)
{
    public const int MaxNameLength = 64;
    public const int MinPasswordLength = 8;
    // MS-CHAPv2 carries passwords of up to 256 Unicode characters (RFC 2759 section 8.2).
    public const int MaxPasswordLength = 256;

    public static string? CheckName(string name)
    {
        if (name.Length == 0) return "must not be empty";
        if (name.Length > MaxNameLength) return $"at most {MaxNameLength} characters";
        if (name.Trim() != name) return "must not begin or end with white space";
        foreach (char c in name)
            if (char.IsControl(c)) return "control characters are not allowed";
        return null;
    }

    public static string? CheckPassword(string password)
    {
        if (password.Length < MinPasswordLength) return $"must be at least {MinPasswordLength} characters";
        if (password.Length > MaxPasswordLength) return $"must be at most {MaxPasswordLength} characters";
        foreach (char c in password)
            if (char.IsControl(c)) return "control characters cannot be typed into VPN clients";
        return null;
    }

    private static string? CheckStaticAddress(string? address) =>
        address is null ? null
        : !Ipv4.TryParse(address, out uint a) ? $"'{address}' is not an IPv4 address"
        : Ipv4.RejectSpecial(a);

    /// <summary>Adds a user; returns the refusal reason (naming the field) or null.</summary>
    public string? Add(string name, string password, string? staticAddress)
    {
        if (CheckName(name) is { } n) return $"name: {n}";
        if (CheckPassword(password) is { } p) return $"password: {p}";
        if (CheckStaticAddress(staticAddress) is { } s) return $"static address: {s}";
        var record = new UserRecord(name, true, MsChapV2.NtPasswordHash(password), sealer.Seal(name, password),
            staticAddress, time.GetUtcNow().UtcDateTime);
        return store.AddUser(record) ? null : $"name: user '{name}' already exists";
    }

    public string? SetPassword(string name, string password)
    {
        if (CheckPassword(password) is { } p) return $"password: {p}";
        var user = store.FindUser(name);
        if (user is null) return $"name: no user '{name}'";
        return store.ReplaceUser(user with { NtHash = MsChapV2.NtPasswordHash(password), SealedPassword = sealer.Seal(name, password) })
            ? null : $"name: no user '{name}'";
    }

    public string? SetEnabled(string name, bool enabled)
    {
        var user = store.FindUser(name);
        if (user is null) return $"name: no user '{name}'";
        return store.ReplaceUser(user with { Enabled = enabled }) ? null : $"name: no user '{name}'";
    }

    public bool Delete(string name) => store.DeleteUser(name);

    public IReadOnlyList<UserRecord> List() => store.ListUsers();

    /// <summary>The user's static address, or null (pool); no secret is touched.</summary>
    public string? StaticAddressOf(string name) => store.FindUser(name)?.StaticAddress;

    /// <summary>What a PPP login needs, read fresh from the store (a password change or a disabled
    /// user counts from the next login): the NT hash, the unsealed password (null if it cannot be
    /// unsealed) and whether the user is enabled. Fresh arrays every call:
    /// the PPP layer wipes them after use.</summary>
    public LoginCredentials? FindForLogin(string name)
    {
        var user = store.FindUser(name);
        if (user is null) return null;
        string? password = sealer.Unseal(user.Name, user.SealedPassword);
        return new LoginCredentials(user.Name, (byte[])user.NtHash.Clone(),
            password is null ? null : System.Text.Encoding.UTF8.GetBytes(password), user.Enabled);
    }
}

/// <summary>A user's secrets for one PPP authentication (see <see cref="UserService.FindForLogin"/>).</summary>
public sealed record LoginCredentials(string Name, byte[] NtHash, byte[]? Password, bool Enabled);
