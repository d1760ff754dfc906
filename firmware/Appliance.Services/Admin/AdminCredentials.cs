using System.Security.Cryptography;
using System.Text;
using Appliance.Store;
using Appliance.Store.Records;

namespace Appliance.Services.Admin;

/// <summary>
/// The web admin's password. There is no default: a fresh box has none until first-boot setup.
/// Kept as PBKDF2-HMAC-SHA256 with a random salt and compared in constant time.
/// </summary>
public sealed class AdminCredentials(ApplianceStore store, TimeProvider time)
{
    public const int MinimumLength = 8;
    public const int MaximumLength = 256;
    // Chosen so that one check costs tens of milliseconds on the board's Cortex-A53.
    internal const int Iterations = 60_000;

    public bool IsSet => store.ReadAdmin() is not null;

    public static string? CheckStrength(string password)
    {
        if (password.Length < MinimumLength) return $"must be at least {MinimumLength} characters";
        if (password.Length > MaximumLength) return $"must be at most {MaximumLength} characters";
        return null;
    }

    /// <summary>First-boot setup; false when a password is already set.</summary>
    public bool TrySetInitial(string password) => store.SetAdminIfUnset(Derive(password));

    public void Replace(string password) => store.ReplaceAdmin(Derive(password));

    /// <summary>Checks a password. Returns the credential's salt as an identity for the login
    /// session (a session ends when the password is changed or the box is reset), or null.</summary>
    public byte[]? Verify(string password)
    {
        var current = store.ReadAdmin();
        if (current is null) return null;
        byte[] candidate = Hash(password, current.Salt, current.Iterations);
        bool ok = CryptographicOperations.FixedTimeEquals(candidate, current.Hash);
        CryptographicOperations.ZeroMemory(candidate);
        return ok ? current.Salt : null;
    }

    /// <summary>The salt of the credential in force, which identifies login sessions.</summary>
    public byte[]? CurrentIdentity() => store.ReadAdmin()?.Salt;

    private AdminCredential Derive(string password)
    {
        if (CheckStrength(password) is { } reason) throw new ArgumentException(reason, nameof(password));
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        return new AdminCredential(salt, Hash(password, salt, Iterations), Iterations, time.GetUtcNow().UtcDateTime);
    }

    private static byte[] Hash(string password, byte[] salt, int iterations)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(password);
        try { return Rfc2898DeriveBytes.Pbkdf2(bytes, salt, iterations, HashAlgorithmName.SHA256, 32); }
        finally { CryptographicOperations.ZeroMemory(bytes); }
    }
}
