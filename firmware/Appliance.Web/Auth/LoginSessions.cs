using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Appliance.Web.Auth;

/// <summary>
/// Login sessions of the web admin, in memory only (a restart logs everyone out, which on a box
/// that restarts rarely is the safe default). A session is bound to the admin credential it was
/// opened with: changing the password or a factory reset ends every session.
/// Tokens are 256 random bits; the table is keyed by the token's SHA-256 so that neither the
/// table nor a lookup's timing holds the token itself.
/// </summary>
public sealed class LoginSessions(TimeProvider time)
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);
    private const int MaxSessions = 64;

    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    private sealed class Entry(byte[] identity, DateTimeOffset expires)
    {
        public byte[] Identity { get; } = identity;
        public DateTimeOffset Expires { get; set; } = expires;
    }

    public string Open(byte[] identity)
    {
        Sweep();
        if (_sessions.Count >= MaxSessions)
        {
            // Drop the session closest to expiry rather than refuse the admin who just logged in.
            var oldest = _sessions.OrderBy(p => p.Value.Expires).First().Key;
            _sessions.TryRemove(oldest, out _);
        }
        string token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _sessions[Key(token)] = new Entry(identity, time.GetUtcNow() + IdleTimeout);
        return token;
    }

    /// <summary>True when the token is a live session for the credential in force; extends it.</summary>
    public bool Validate(string? token, byte[]? currentIdentity)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 64 || currentIdentity is null) return false;
        string key = Key(token);
        if (!_sessions.TryGetValue(key, out var entry)) return false;
        var now = time.GetUtcNow();
        if (entry.Expires <= now || !CryptographicOperations.FixedTimeEquals(entry.Identity, currentIdentity))
        {
            _sessions.TryRemove(key, out _);
            return false;
        }
        entry.Expires = now + IdleTimeout;
        return true;
    }

    public void Close(string? token)
    {
        if (!string.IsNullOrEmpty(token) && token.Length <= 64) _sessions.TryRemove(Key(token), out _);
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _sessions)
            if (entry.Expires <= now) _sessions.TryRemove(key, out _);
    }

    private static string Key(string token) =>
        Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));
}
