using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ike.Auth;
using Appliance.Protocols.Ike.Policy;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>What the responder needs from the configuration, and its limits.</summary>
public sealed class IkeResponderOptions
{
    public required byte[] PreSharedKey { get; init; }
    /// <summary>
    /// RSA-signature authentication (RFC 2409 §5.1): our certificate and key and the CAs that client
    /// certificates must chain to. Null: proposals with RSA signatures are not chosen, only
    /// pre-shared key ones.
    /// </summary>
    public IkeCertificateCredentials? Certificates { get; init; }
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
    /// <summary>
    /// Largest IP datagram (IP and UDP headers included) we send to a peer that does IKEv1
    /// fragmentation; larger messages go in fragments. See <see cref="Fragments.IkeFragmenter.DefaultMaxDatagram"/>
    /// for why 1280.
    /// </summary>
    public int MaxDatagram
    {
        get => _maxDatagram;
        init => _maxDatagram = value >= Fragments.IkeFragmenter.MinMaxDatagram ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDatagram), $"at least {Fragments.IkeFragmenter.MinMaxDatagram}");
    }
    private readonly int _maxDatagram = Fragments.IkeFragmenter.DefaultMaxDatagram;
    /// <summary>L2TP: the only UDP port our side protects.</summary>
    public ushort ProtectedPort { get; init; } = 1701;
}
