namespace Appliance.Host.Daemon.Sessions;

/// <summary>
/// Failed PPP logins counted per user name and per source address, for the log line of each
/// failure and for <c>appliance status</c>. Names and addresses come from the peer, so each table
/// is bounded: when a guesser fills one, the entry with the fewest failures makes room, and the
/// persistent offenders stay visible.
/// </summary>
internal sealed class LoginFailures
{
    public const int MaxEntries = 1024;
    private readonly Dictionary<string, long> _byUser = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, long> _bySource = new(StringComparer.Ordinal);

    public long Total { get; private set; }

    /// <summary>Counts one failure; returns the counts now held for this user and this source.</summary>
    public (long ForUser, long ForSource) Add(string userName, string source)
    {
        Total++;
        return (Bump(_byUser, userName), Bump(_bySource, source));
    }

    public IReadOnlyDictionary<string, long> ByUser => _byUser;
    public IReadOnlyDictionary<string, long> BySource => _bySource;

    private static long Bump(Dictionary<string, long> table, string key)
    {
        if (!table.ContainsKey(key) && table.Count >= MaxEntries)
        {
            string smallest = table.MinBy(e => e.Value).Key;
            table.Remove(smallest);
        }
        return table[key] = table.GetValueOrDefault(key) + 1;
    }
}
