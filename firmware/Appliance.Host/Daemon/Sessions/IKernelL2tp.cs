using System.Net;
using Appliance.Protocols.L2tp;

namespace Appliance.Host.Daemon.Sessions;

/// <summary>
/// The kernel's L2TP/PPP datapath as the session engine sees it: per tunnel a kernel L2TP
/// tunnel on a UDP socket connected to the client, per session a kernel session, PPPoL2TP
/// socket and ppp channel (PPP control frames pass through this process), and once IPCP is open
/// a unit pppN that carries the IP packets without this process. Sessions are named by the
/// engine's session id. Every Try method returns false, with the reason, when the kernel
/// refused; the engine then keeps that tunnel or session on the in-process path.
/// </summary>
internal interface IKernelL2tp
{
    /// <summary>Moves the data of an established tunnel into the kernel.</summary>
    bool TryOpenTunnel(ushort tunnelId, ushort peerTunnelId, L2tpPeer peer, out string? reason);

    /// <summary>A kernel session and ppp channel for an established call of a kernel tunnel. From
    /// now on the session's PPP frames come from <see cref="KernelPppFrame"/>s, not L2TP data.</summary>
    bool TryOpenSession(long id, ushort tunnelId, ushort sessionId, ushort peerTunnelId, ushort peerSessionId, out string? reason);

    /// <summary>A PPP frame (with or without FF 03) out through the session's channel.</summary>
    bool SendFrame(long id, ReadOnlySpan<byte> frame);

    /// <summary>IPCP is open: the unit pppN, connected to the channel, with <paramref name="local"/>
    /// and <paramref name="peer"/> as its point-to-point addresses (the peer route comes with them),
    /// MTU <paramref name="mtu"/>, up and passing IPv4.</summary>
    bool TryNetworkUp(long id, IPAddress local, IPAddress peer, int mtu, out string? interfaceName, out string? reason);

    /// <summary>IPCP closed: the unit goes (with its address and route); the channel stays for LCP.</summary>
    void NetworkDown(long id);

    /// <summary>Counters of the kernel session (bytes of L2TP payload in and out), null when unknown.</summary>
    (long In, long Out)? Counters(long id);

    /// <summary>Unit, channel, PPPoL2TP socket and kernel session go, in that order. Idempotent.</summary>
    void CloseSession(long id);

    /// <summary>The kernel tunnel (and any session left in it) and its socket go. Idempotent.</summary>
    void CloseTunnel(ushort tunnelId);
}

/// <summary>A PPP frame a kernel session's channel handed up (LCP, authentication, IPCP, and
/// any frame while no unit is connected).</summary>
internal readonly record struct KernelPppFrame(long SessionId, byte[] Frame);
