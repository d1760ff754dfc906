using System.Net;

namespace Appliance.Protocols.L2tp;

/// <summary>
/// Where an L2TP datagram came from: the peer's UDP endpoint, ours, and an opaque id of the IPsec
/// SA that carried it (0 = none). Two clients behind one NAT may share the same public address
/// and even port 1701; the carrier tells them apart.
/// </summary>
public readonly record struct L2tpPeer(IPEndPoint Remote, IPEndPoint Local, ulong Carrier);

/// <summary>What the peer told us about itself in its SCCRQ.</summary>
/// <param name="FirmwareRevision">Absent (null) when the peer sent none.</param>
/// <param name="BearerCapabilities">Absent (null) when the peer sent none (macOS, Android).</param>
public sealed record L2tpTunnelInfo(
    string HostName,
    string? VendorName,
    ushort? FirmwareRevision,
    ushort ReceiveWindowSize,
    uint FramingCapabilities,
    uint? BearerCapabilities);

/// <summary>What the L2TP server asks its host to do. The core performs no I/O itself.</summary>
public abstract record L2tpAction;

/// <summary>Send a datagram from our UDP 1701 to the peer (through the IPsec SA <c>To.Carrier</c>).</summary>
public sealed record L2tpSend(byte[] Data, L2tpPeer To) : L2tpAction;

/// <summary>The control connection is established (SCCCN accepted, peer authenticated if asked).</summary>
public sealed record L2tpTunnelUp(ushort TunnelId, ushort PeerTunnelId, L2tpPeer Peer, L2tpTunnelInfo Info) : L2tpAction;

/// <summary>A tunnel that was announced up is gone; its sessions were reported down just before.</summary>
public sealed record L2tpTunnelDown(ushort TunnelId, string Reason) : L2tpAction;

/// <summary>A call is connected (ICCN accepted): PPP may start on this session.</summary>
public sealed record L2tpSessionUp(ushort TunnelId, ushort SessionId, ushort PeerTunnelId, ushort PeerSessionId, L2tpPeer Peer) : L2tpAction;

/// <summary>A session that was announced up is gone.</summary>
public sealed record L2tpSessionDown(ushort TunnelId, ushort SessionId, string Reason) : L2tpAction;

/// <summary>A PPP frame arrived on an established session (userspace datapath).</summary>
public sealed record L2tpPppFrame(ushort TunnelId, ushort SessionId, ReadOnlyMemory<byte> Frame) : L2tpAction;

/// <summary>One event for the log; fields never carry the tunnel secret.</summary>
public sealed record L2tpLog(string Level, string Message, (string Key, object? Value)[] Fields) : L2tpAction
{
    // Written by hand: the compiler-generated member printer, with its tuple array, makes the
    // NativeAOT compiler fail code generation for linux-arm64 (see IkeLog).
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Level = ").Append(Level).Append(", Message = ").Append(Message);
        foreach (var (key, value) in Fields) builder.Append(", ").Append(key).Append(" = ").Append(value);
        return true;
    }
}

/// <summary>A tunnel as the status page shows it.</summary>
public sealed record L2tpTunnelStatus(
    ushort TunnelId,
    ushort PeerTunnelId,
    L2tpPeer Peer,
    bool Established,
    L2tpTunnelInfo Info,
    DateTimeOffset Created,
    IReadOnlyList<L2tpSessionStatus> Sessions);

/// <summary>A session as the status page shows it.</summary>
public sealed record L2tpSessionStatus(ushort SessionId, ushort PeerSessionId, bool Established, DateTimeOffset Created);
