namespace Appliance.Protocols.Ppp;

/// <summary>Traffic and drop counts of one session, for status pages and diagnosis.</summary>
public sealed class PppCounters
{
    private readonly Dictionary<string, long> _drops = new(StringComparer.Ordinal);

    public long FramesReceived { get; internal set; }
    public long FramesSent { get; internal set; }
    public long IpPacketsReceived { get; internal set; }
    public long IpBytesReceived { get; internal set; }
    public long EchoRequestsSent { get; internal set; }
    public long EchoRepliesReceived { get; internal set; }

    /// <summary>Frames dropped, by reason.</summary>
    public IReadOnlyDictionary<string, long> Drops => _drops;

    public long FramesDropped => _drops.Values.Sum();

    internal void Drop(string reason) => _drops[reason] = _drops.GetValueOrDefault(reason) + 1;
}
