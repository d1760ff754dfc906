using Appliance.Protocols.Ike.Sa;

namespace Appliance.Host.Daemon.Esp;

/// <summary>
/// Where the ESP SAs that Quick Modes negotiate live: in the kernel (XFRM) or in this process.
/// The IKE runner talks to this interface only; which one runs is the platform probe's (or the
/// vpn.datapath setting's) choice. Called from the IKE runner's task under its lock.
/// </summary>
internal interface IEspDatapath : IDisposable
{
    /// <summary>"kernel" or "userspace", for logs and status.</summary>
    string Name { get; }

    /// <summary>True when ESP-in-UDP arriving on port 4500 must be handed to <see cref="ReceiveEsp"/>
    /// (userspace); false when the kernel takes it off the socket (UDP_ENCAP_ESPINUDP).</summary>
    bool WantsEspFromSocket { get; }

    /// <summary>Installs an inbound and outbound SA pair. Throws <see cref="EspDatapathException"/>
    /// when the datapath refuses it; nothing of the pair is left behind then.</summary>
    void Install(ChildSaKeys keys);

    /// <summary>Removes the pair whose inbound SPI this is; a pair already gone is not an error
    /// (null). Says whose pair it was and whether it was the client's last.</summary>
    CarrierRelease? Remove(uint inboundSpi);

    /// <summary>The client (peer endpoint) behind a carrier id, while it has SAs.</summary>
    System.Net.IPEndPoint? PeerOf(uint carrier);

    /// <summary>One ESP packet (RFC 3948 payload of UDP 4500), only when <see cref="WantsEspFromSocket"/>.</summary>
    void ReceiveEsp(ReadOnlySpan<byte> packet);

    EspDatapathCounters Counters();

    /// <summary>Counts a packet dropped for a reason found outside the datapath.</summary>
    void NoteDrop(string reason);
}

/// <summary>A pair was removed: the client's carrier, its endpoint, and whether it has no SAs left.</summary>
internal sealed record CarrierRelease(uint Carrier, System.Net.IPEndPoint Peer, bool Last);

/// <summary>What the datapath has carried, for the status page.</summary>
internal sealed record EspDatapathCounters(
    int SaPairs,
    long PacketsReceived,
    long PacketsDecrypted,
    long L2tpDatagrams,
    IReadOnlyDictionary<string, long> Drops);

/// <summary>The datapath could not take an SA (the kernel refused it, an algorithm is missing).</summary>
internal sealed class EspDatapathException(string message, Exception? inner = null) : Exception(message, inner);
