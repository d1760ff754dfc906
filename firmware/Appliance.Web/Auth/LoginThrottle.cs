using System.Collections.Concurrent;
using System.Net;

namespace Appliance.Web.Auth;

/// <summary>
/// Slows password guessing from one source: after <see cref="FreeAttempts"/> failures within
/// <see cref="Window"/>, further attempts from that address are refused until the window passes.
/// </summary>
public sealed class LoginThrottle(TimeProvider time)
{
    public const int FreeAttempts = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    private const int MaxTrackedSources = 1024;

    private readonly ConcurrentDictionary<IPAddress, (int Failures, DateTimeOffset WindowEnd)> _failures = new();

    /// <summary>Seconds to wait before the next attempt, or 0 when one may be made now.</summary>
    public int RetryAfterSeconds(IPAddress source)
    {
        if (!_failures.TryGetValue(source, out var f)) return 0;
        var now = time.GetUtcNow();
        if (f.WindowEnd <= now) { _failures.TryRemove(source, out _); return 0; }
        return f.Failures >= FreeAttempts ? (int)Math.Ceiling((f.WindowEnd - now).TotalSeconds) : 0;
    }

    public void Failed(IPAddress source)
    {
        var now = time.GetUtcNow();
        if (_failures.Count >= MaxTrackedSources)
            foreach (var (ip, f) in _failures)
                if (f.WindowEnd <= now) _failures.TryRemove(ip, out _);
        _failures.AddOrUpdate(source, _ => (1, now + Window),
            (_, f) => f.WindowEnd <= now ? (1, now + Window) : (f.Failures + 1, f.WindowEnd));
    }

    public void Succeeded(IPAddress source) => _failures.TryRemove(source, out _);
}
