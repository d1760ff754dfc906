using System.Net;
using Appliance.Protocols.Ike.Policy;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>What the responder asks its host to do. The core performs no I/O itself.</summary>
public abstract record IkeAction;

/// <summary>Send an IKE datagram. <paramref name="NatTraversalPort"/>: from our UDP 4500 socket,
/// with the 4-byte non-ESP marker (RFC 3948 §2.2), rather than from 500.</summary>
public sealed record SendDatagram(byte[] Data, IPEndPoint To, IPEndPoint From, bool NatTraversalPort) : IkeAction;

/// <summary>A Quick Mode finished: install the pair of ESP SAs (transport mode, UDP 1701).</summary>
public sealed record InstallChildSa(ChildSaKeys Child) : IkeAction;

/// <summary>Remove ESP SAs (peer's Delete, IKE SA deleted, INITIAL-CONTACT).</summary>
public sealed record RemoveChildSa(uint InboundSpi, uint OutboundSpi, string Reason) : IkeAction;

/// <summary>One event for the log; fields never carry keys or the PSK.</summary>
public sealed record IkeLog(string Level, string Message, (string Key, object? Value)[] Fields) : IkeAction
{
    // Written by hand: the compiler-generated member printer, with its tuple array, makes the
    // NativeAOT compiler (ILC 10.0.12) fail code generation for linux-arm64.
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Level = ").Append(Level).Append(", Message = ").Append(Message);
        foreach (var (key, value) in Fields) builder.Append(", ").Append(key).Append(" = ").Append(value);
        return true;
    }
}

/// <summary>The keys and endpoints of an established pair of transport-mode ESP SAs.</summary>
public sealed record ChildSaKeys(
    ulong IkeSaInitiatorCookie,
    IPEndPoint Peer,
    IPEndPoint Local,
    bool UdpEncapsulated,
    IPAddress? PeerOriginalAddress,
    uint InboundSpi,
    uint OutboundSpi,
    EspProposal Proposal,
    byte[] InboundEncryptionKey,
    byte[] InboundIntegrityKey,
    byte[] OutboundEncryptionKey,
    byte[] OutboundIntegrityKey,
    uint LifetimeSeconds);

/// <summary>An authentic Delete named another IKE SA of the same peer (by its cookies).</summary>
public sealed record IkeSaDeleteRequest(ulong InitiatorCookie, ulong ResponderCookie) : IkeAction;
