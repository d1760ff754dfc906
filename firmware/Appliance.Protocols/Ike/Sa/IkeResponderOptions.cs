using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ike.Policy;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>What the responder needs from the configuration, and its limits.</summary>
public sealed class IkeResponderOptions
{
    public required byte[] PreSharedKey { get; init; }
    public required AlgorithmPolicy Policy { get; init; }
    public IRandomSource Random { get; init; } = SystemRandomSource.Instance;
    /// <summary>Half-open SAs (Main Mode not finished) allowed from one address, and in total.</summary>
    public int MaxHalfOpenPerPeer { get; init; } = 8;
    public int MaxHalfOpenTotal { get; init; } = 256;
    public TimeSpan HalfOpenTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Bounds on the ESP lifetime a client may ask for (RFC 2407 §4.5.4: the responder may
    /// shorten it and says so with RESPONDER-LIFETIME).</summary>
    public uint MinChildLifetimeSeconds { get; init; } = 300;
    public uint MaxChildLifetimeSeconds { get; init; } = 86400;
    /// <summary>Dead peer detection towards peers that announced it (RFC 3706): an R-U-THERE after
    /// this much silence (zero turns it off), repeated every retry interval; no answer within the
    /// timeout and the peer's SAs are cleared.</summary>
    public TimeSpan DpdInterval { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan DpdRetryInterval { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan DpdTimeout { get; init; } = TimeSpan.FromSeconds(150);
    /// <summary>L2TP: the only UDP port our side protects.</summary>
    public ushort ProtectedPort { get; init; } = 1701;
}
