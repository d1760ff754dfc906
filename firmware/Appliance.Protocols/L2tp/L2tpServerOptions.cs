namespace Appliance.Protocols.L2tp;

/// <summary>What the L2TP server says about itself, its timers and its limits.</summary>
public sealed class L2tpServerOptions
{
    /// <summary>Framing Capabilities bits (§4.4.3): synchronous = 1, asynchronous = 2.</summary>
    public const uint SyncFraming = 1;
    public const uint AsyncFraming = 2;

    public string HostName { get; init; } = "appliance";
    public string VendorName { get; init; } = "appliance";
    public ushort FirmwareRevision { get; init; } = 0x0100;
    /// <summary>The Receive Window Size we advertise: how many of the peer's control messages we queue.</summary>
    public ushort ReceiveWindowSize { get; init; } = 8;
    /// <summary>A HELLO goes out after this long without any message (control or data) from the peer.</summary>
    public TimeSpan HelloInterval { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Retransmission: first after this, doubling up to the cap, given up after the maximum.</summary>
    public TimeSpan RetransmitInitial { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan RetransmitCap { get; init; } = TimeSpan.FromSeconds(8);
    public int MaxRetransmissions { get; init; } = 5;
    /// <summary>
    /// The tunnel secret for tunnel authentication (§5.1.1) and hidden AVPs (§4.3); null = off.
    /// Within IPsec the PSK already authenticates the peer, so clients leave it unset.
    /// </summary>
    public byte[]? TunnelSecret { get; init; }
    public int MaxTunnels { get; init; } = 1000;
    public int MaxSessionsPerTunnel { get; init; } = 16;
    /// <summary>How long a call may wait between ICRQ and ICCN before we clear it.</summary>
    public TimeSpan IncomingCallTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public uint FramingCapabilities { get; init; } = SyncFraming | AsyncFraming;
    public uint BearerCapabilities { get; init; }

    internal void Validate()
    {
        if (ReceiveWindowSize == 0) throw new ArgumentException("ReceiveWindowSize must be at least 1.");
        if (RetransmitInitial <= TimeSpan.Zero || RetransmitCap < RetransmitInitial)
            throw new ArgumentException("Retransmission timers must be positive, the cap at least the initial value.");
        if (MaxRetransmissions < 0) throw new ArgumentException("MaxRetransmissions must not be negative.");
        if (HelloInterval <= TimeSpan.Zero || IncomingCallTimeout <= TimeSpan.Zero)
            throw new ArgumentException("HelloInterval and IncomingCallTimeout must be positive.");
        if (MaxTunnels < 1 || MaxSessionsPerTunnel < 1) throw new ArgumentException("Limits must be at least 1.");
        if (HostName.Length == 0) throw new ArgumentException("HostName must not be empty.");
        if (System.Text.Encoding.UTF8.GetByteCount(HostName) > L2tpAvp.MaxValueLength
            || System.Text.Encoding.UTF8.GetByteCount(VendorName) > L2tpAvp.MaxValueLength)
            throw new ArgumentException("HostName and VendorName must fit in one AVP.");
    }

    /// <summary>The delay before retransmission number <paramref name="retries"/> + 1.</summary>
    internal TimeSpan RetransmitDelay(int retries)
    {
        var delay = RetransmitInitial;
        for (int i = 0; i < retries && delay < RetransmitCap; i++) delay += delay;
        return delay < RetransmitCap ? delay : RetransmitCap;
    }

    /// <summary>The whole retransmission cycle: how long a peer may keep resending one message.</summary>
    internal TimeSpan RetransmitCycle()
    {
        var total = TimeSpan.Zero;
        for (int i = 0; i <= MaxRetransmissions; i++) total += RetransmitDelay(i);
        return total;
    }
}
