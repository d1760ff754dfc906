namespace Appliance.Services.Logging;

/// <summary>
/// Keeps a flood of one kind of event (a scan, a client retrying a wrong password, a stream of
/// malformed packets) from flooding the log and the flash it lives on. Each kind, the component
/// and message text (peer data lives in fields, so the kinds are the code's own finite set), has
/// a token bucket: a burst passes, then a steady rate; the first line let through after a gap
/// says how many of its kind were held back. Not thread-safe: the log calls it under its lock.
/// </summary>
public sealed class LogRateLimiter(int burst = 20, double perSecond = 2)
{
    private sealed class Bucket
    {
        public double Tokens;
        public DateTimeOffset Refilled;
        public long Suppressed;
    }

    private readonly Dictionary<(string, string), Bucket> _buckets = [];

    /// <summary>Total lines held back since start, for status.</summary>
    public long TotalSuppressed { get; private set; }

    /// <summary>True when a line of this kind may be written now; <paramref name="suppressedBefore"/>
    /// is how many of its kind were held back since the last one written.</summary>
    public bool TryTake(string component, string message, DateTimeOffset now, out long suppressedBefore)
    {
        if (!_buckets.TryGetValue((component, message), out var b))
        {
            b = new Bucket { Tokens = burst, Refilled = now };
            _buckets[(component, message)] = b;
        }
        double elapsed = Math.Max(0, (now - b.Refilled).TotalSeconds);
        b.Tokens = Math.Min(burst, b.Tokens + elapsed * perSecond);
        b.Refilled = now;
        if (b.Tokens < 1)
        {
            b.Suppressed++;
            TotalSuppressed++;
            suppressedBefore = 0;
            return false;
        }
        b.Tokens -= 1;
        suppressedBefore = b.Suppressed;
        b.Suppressed = 0;
        return true;
    }
}
