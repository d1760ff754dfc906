using System.Net.Sockets;
using Appliance.Platform.Linux.L2tp;
using Appliance.Platform.Linux.Netlink;

namespace Appliance.Platform.Linux.Ppp;

/// <summary>How the kernel session behind a PPPoL2TP socket comes to exist. Both work on Debian's
/// 6.1 kernel; <see cref="Socket"/> is the default because it also works on kernels built without
/// CONFIG_L2TP_V3 (common on small boards), which the netlink PPP session needs.</summary>
public enum L2tpSessionStyle
{
    /// <summary>The socket's connect creates the session (what xl2tpd and accel-ppp do); LNS
    /// mode through PPPOL2TP_SO_LNSMODE.</summary>
    Socket,
    /// <summary>L2TP_CMD_SESSION_CREATE first (pseudowire PPP, LNS mode as an attribute), then the
    /// socket attaches to it.</summary>
    Netlink,
}

/// <summary>
/// One L2TP session's kernel PPP datapath, built and torn down in order: session (netlink or
/// socket style), PPPoL2TP socket, its ppp channel (<see cref="Channel"/>: the PPP core's control
/// frames), and, once the link is up, a unit pppN connected to the channel (<see cref="Unit"/>).
/// The tunnel (its UDP socket and L2TP_CMD_TUNNEL_CREATE) belongs to the caller.
/// </summary>
public sealed class L2tpPppLink : IDisposable
{
    private readonly L2tpNetlink _netlink;
    private readonly L2tpSessionStyle _style;
    private bool _closed;

    private L2tpPppLink(L2tpNetlink netlink, L2tpSessionStyle style, PppoL2tpSocket session, PppChannel channel)
    {
        _netlink = netlink;
        _style = style;
        Session = session;
        Channel = channel;
    }

    public PppoL2tpSocket Session { get; }
    public PppChannel Channel { get; }
    /// <summary>The unit pppN, after <see cref="CreateUnit"/>.</summary>
    public PppUnit? Unit { get; private set; }

    public ushort TunnelId => Session.TunnelId;
    public ushort SessionId => Session.SessionId;

    /// <summary>Creates session <paramref name="sessionId"/> (ours; the peer's is
    /// <paramref name="peerSessionId"/>) in the kernel tunnel <paramref name="tunnelId"/> that runs
    /// on <paramref name="tunnelSocket"/>, and opens its ppp channel.</summary>
    public static L2tpPppLink Open(L2tpNetlink netlink, Socket tunnelSocket, ushort tunnelId, ushort peerTunnelId,
        ushort sessionId, ushort peerSessionId, L2tpSessionStyle style = L2tpSessionStyle.Socket, bool lnsMode = true)
    {
        ArgumentNullException.ThrowIfNull(netlink);
        ArgumentNullException.ThrowIfNull(tunnelSocket);
        bool created = false;
        PppoL2tpSocket? session = null;
        try
        {
            if (style == L2tpSessionStyle.Netlink)
            {
                netlink.CreateSession(tunnelId, sessionId, peerSessionId, lnsMode);
                created = true;
            }
            session = PppoL2tpSocket.Connect(tunnelSocket, tunnelId, sessionId, peerTunnelId, peerSessionId);
            if (style == L2tpSessionStyle.Socket && lnsMode)
                session.SetLnsMode(true);
            int index = session.GetChannelIndex();
            var channel = PppChannel.Attach(index);
            return new L2tpPppLink(netlink, style, session, channel);
        }
        catch
        {
            // Closing the socket deletes the session; a netlink session without a socket stays.
            if (session is not null)
                session.Dispose();
            else if (created)
                TryDeleteSession(netlink, tunnelId, sessionId);
            throw;
        }
    }

    /// <summary>Creates the unit pppN, connects the channel to it and sets its MRU. IP does not
    /// flow until <see cref="OpenNetworkProtocol"/> (call it when IPCP opens).</summary>
    public PppUnit CreateUnit(int mru)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (Unit is not null)
            throw new InvalidOperationException($"the link already has {Unit.InterfaceName}");
        var unit = PppUnit.Create();
        try
        {
            unit.SetMru(mru);
            Channel.ConnectTo(unit);
        }
        catch
        {
            unit.Dispose();
            throw;
        }
        Unit = unit;
        return unit;
    }

    /// <summary>Detaches the channel from the unit and closes the unit (pppN disappears with its
    /// addresses and routes); the channel stays for LCP. For IPCP going down while LCP stays up;
    /// a later <see cref="CreateUnit"/> makes a new one. Returns what failed; never throws.</summary>
    public IReadOnlyList<SyscallException> DestroyUnit()
    {
        var failures = new List<SyscallException>();
        if (_closed || Unit is null)
            return failures;
        if (Channel.ConnectedUnit >= 0)
            Try(failures, Channel.Disconnect);
        Unit.Dispose();
        Unit = null;
        return failures;
    }

    /// <summary>Lets <paramref name="protocol"/>'s packets through the unit (NPMODE_PASS).</summary>
    public void OpenNetworkProtocol(ushort protocol = PppProtocol.IPv4)
    {
        var unit = Unit ?? throw new InvalidOperationException("create the unit first");
        unit.SetNetworkMode(protocol, PppNetworkMode.Pass);
    }

    /// <summary>The kernel session's counters.</summary>
    public L2tpSessionStats GetStats() => _netlink.GetSessionStats(TunnelId, SessionId);

    /// <summary>
    /// Tears the link down in the order that leaves nothing dangling: detach the channel from the
    /// unit, close the channel, close the unit (pppN disappears), close the PPPoL2TP socket (the
    /// kernel deletes the session, whichever way it was created), and for a netlink-created
    /// session make sure it is gone.
    /// Returns what failed on the way (nothing, normally), for the caller's log; never throws.
    /// </summary>
    public IReadOnlyList<SyscallException> Close()
    {
        var failures = new List<SyscallException>();
        if (_closed)
            return failures;
        _closed = true;
        if (Unit is not null && Channel.ConnectedUnit >= 0)
            Try(failures, Channel.Disconnect);
        Channel.Dispose();
        Unit?.Dispose();
        Session.Dispose();
        if (_style == L2tpSessionStyle.Netlink)
        {
            var left = TryDeleteSession(_netlink, TunnelId, SessionId);
            if (left is not null)
                failures.Add(left);
        }
        return failures;
    }

    public void Dispose() => Close();

    private static void Try(List<SyscallException> failures, Action action)
    {
        try { action(); }
        catch (SyscallException e) { failures.Add(e); }
    }

    /// <summary>Deletes a session that may already be gone (ENODEV, the kernel's answer for a
    /// missing session, is success here; so is ENOENT).</summary>
    private static SyscallException? TryDeleteSession(L2tpNetlink netlink, ushort tunnelId, ushort sessionId)
    {
        try
        {
            netlink.DeleteSession(tunnelId, sessionId);
            return null;
        }
        catch (NetlinkException e) when (e.Errno is Errno.ENODEV or Errno.ENOENT)
        {
            return null;
        }
        catch (SyscallException e)
        {
            return e;
        }
    }
}
