using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Appliance.Platform.Linux;
using Appliance.Platform.Linux.Interop;
using Appliance.Platform.Linux.L2tp;
using Appliance.Platform.Linux.Ppp;
using Appliance.Platform.Linux.Rtnetlink;
using Appliance.Platform.Linux.Udp;
using Appliance.Protocols.L2tp;
using Appliance.Services.Logging;

namespace Appliance.Host.Daemon.Sessions;

/// <summary>
/// The kernel L2TP/PPP datapath (see <see cref="IKernelL2tp"/>) on the kernel ESP datapath:
/// the data of a client's tunnel never enters this process, only L2TP control messages (the
/// kernel passes them up the tunnel's socket into the 1701 listener's queue, mark included) and
/// PPP control frames (read from each session's /dev/ppp channel by a thread of its own, since
/// the read blocks, into <see cref="Frames"/>). Called from the runner's task only.
/// </summary>
internal sealed class KernelL2tp : IKernelL2tp, IDisposable
{
    /// <summary>Large enough for any frame a unit-less channel hands up (MRU 1500 and headers).</summary>
    private const int ChannelBuffer = 2048;
    private readonly MarkedL2tpSocket _listener;
    private readonly Func<uint, byte[]?> _tunnelPolicy;
    private readonly L2tpNetlink _netlink;
    private readonly RtnetlinkSocket _rtnl;
    private readonly Log _log;
    private readonly KernelTunnelClaims _claims = new();
    private readonly Dictionary<ushort, Tunnel> _tunnels = [];
    private readonly Dictionary<long, Session> _sessions = [];
    private readonly Channel<KernelPppFrame> _frames = Channel.CreateBounded<KernelPppFrame>(
        new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.DropWrite });

    private KernelL2tp(MarkedL2tpSocket listener, Func<uint, byte[]?> tunnelPolicy, L2tpNetlink netlink, RtnetlinkSocket rtnl, Log log)
    {
        _listener = listener;
        _tunnelPolicy = tunnelPolicy;
        _netlink = netlink;
        _rtnl = rtnl;
        _log = log;
    }

    public ChannelReader<KernelPppFrame> Frames => _frames.Reader;

    /// <summary>
    /// Opens the kernel's L2TP netlink family and rtnetlink; null, with the reason, when either
    /// fails (every session then runs in this process).
    /// Why each tunnel socket gets an inbound XFRM policy of its own (<paramref name="tunnelPolicy"/>):
    /// the kernel's L2TP takes a tunnel's data packets in UDP's encapsulation hook, so this
    /// process never sees them and cannot drop what came in clear: anyone who can put a datagram
    /// with the client's NAT address and port on the wire could inject PPP frames into its
    /// session. UDP checks the socket's policy before that hook, for this socket's datagrams
    /// only. (Until this version an nft input rule did it: a netfilter hook on every packet the
    /// box received, the largest part of what one session's throughput lacked against xl2tpd.)
    /// </summary>
    /// <param name="tunnelPolicy">the inbound socket policy (XfrmMessages.SocketPolicy) for the
    /// tunnel socket of a client, by its carrier: only what an SA of ours decrypted. Null for a carrier that may
    /// send in clear (vpn.plain_l2tp_lan); a tunnel whose policy the kernel refuses stays in
    /// this process.</param>
    public static KernelL2tp? TryOpen(MarkedL2tpSocket listener, Func<uint, byte[]?> tunnelPolicy, Log log, out string? reason)
    {
        L2tpNetlink? netlink = null;
        RtnetlinkSocket? rtnl = null;
        try
        {
            netlink = L2tpNetlink.Open();
            rtnl = RtnetlinkSocket.Open();
        }
        catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException)
        {
            rtnl?.Dispose();
            netlink?.Dispose();
            reason = e.Message;
            return null;
        }
        reason = null;
        return new KernelL2tp(listener, tunnelPolicy, netlink, rtnl, log);
    }

    public bool TryOpenTunnel(ushort tunnelId, ushort peerTunnelId, L2tpPeer peer, out string? reason)
    {
        var local = new IPEndPoint(peer.Local.Address, L2tpUdpSockets.Port);
        if (!_claims.TryClaim(tunnelId, local, peer.Remote, out ushort holder))
        {
            reason = $"tunnel {holder} (another client behind the same NAT) holds {local} <-> {peer.Remote} in the kernel";
            return false;
        }
        MarkedL2tpSocket? socket = null;
        try
        {
            socket = _listener.OpenTunnelSocket(local, peer.Remote, (uint)peer.Carrier, _tunnelPolicy((uint)peer.Carrier));
            _netlink.CreateTunnel(tunnelId, peerTunnelId, socket.Socket);
            _tunnels[tunnelId] = new Tunnel(tunnelId, peerTunnelId, socket);
            reason = null;
            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or ArgumentException)
        {
            socket?.Dispose();
            _claims.Release(tunnelId);
            reason = e.Message;
            return false;
        }
    }

    public bool TryOpenSession(long id, ushort tunnelId, ushort sessionId, ushort peerTunnelId, ushort peerSessionId, out string? reason)
    {
        if (!_tunnels.TryGetValue(tunnelId, out var tunnel)) { reason = "the tunnel is not in the kernel"; return false; }
        try
        {
            var link = L2tpPppLink.Open(_netlink, tunnel.Socket.Socket, tunnelId, peerTunnelId, sessionId, peerSessionId);
            var session = new Session(id, tunnelId, link, _frames.Writer);
            _sessions[id] = session;
            tunnel.Sessions.Add(id);
            reason = null;
            return true;
        }
        catch (Exception e) when (e is IOException or ArgumentException)
        {
            reason = e.Message;
            return false;
        }
    }

    public bool SendFrame(long id, ReadOnlySpan<byte> frame)
    {
        if (!_sessions.TryGetValue(id, out var s)) return false;
        // The channel takes the protocol field first: L2TP's channel puts FF 03 in front itself.
        if (frame.Length >= 2 && frame[0] == 0xFF && frame[1] == 0x03) frame = frame[2..];
        try { return frame.Length >= 2 && s.Link.Channel.TryWrite(frame); }
        catch (SyscallException e)
        {
            _log.Warn("l2tp", "write to the ppp channel failed", ("session", id), ("error", e.Message));
            return false;
        }
    }

    public bool TryNetworkUp(long id, IPAddress local, IPAddress peer, int mtu, out string? interfaceName, out string? reason)
    {
        interfaceName = null;
        if (!_sessions.TryGetValue(id, out var s)) { reason = "no kernel session"; return false; }
        try
        {
            PppUnit unit;
            lock (s.UnitGate)
            {
                s.Link.DestroyUnit(); // IPCP again on the same link: a fresh unit
                // The unit's MRU bounds what it accepts, not what it sends: generous, as pppd's default.
                unit = s.Link.CreateUnit(1500);
            }
            s.UnitChanged();
            int index = _rtnl.GetIndex(unit.InterfaceName);
            _rtnl.SetMtu(index, (uint)mtu);
            // Only a cost saved, so a refusal is logged, not fatal.
            try { InterfaceSysctl.SetDisableXfrm(unit.InterfaceName, true); }
            catch (SyscallException e) { _log.Warn("l2tp", "disable_xfrm not set: packets to the client pay an XFRM policy lookup", ("interface", unit.InterfaceName), ("error", e.Message)); }
            _rtnl.AddPointToPointAddress(index, local, peer);
            _rtnl.SetUp(index);
            s.Link.OpenNetworkProtocol(PppProtocol.IPv4);
            interfaceName = unit.InterfaceName;
            reason = null;
            return true;
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException)
        {
            s.DestroyUnit(_log);
            reason = e.Message;
            return false;
        }
    }

    public void NetworkDown(long id)
    {
        if (_sessions.TryGetValue(id, out var s)) s.DestroyUnit(_log);
    }

    public (long In, long Out)? Counters(long id)
    {
        if (!_sessions.TryGetValue(id, out var s)) return null;
        try
        {
            var stats = s.Link.GetStats();
            return ((long)stats.RxBytes, (long)stats.TxBytes);
        }
        catch (IOException) { return null; }
    }

    public void CloseSession(long id)
    {
        if (!_sessions.Remove(id, out var s)) return;
        if (_tunnels.TryGetValue(s.TunnelId, out var tunnel)) tunnel.Sessions.Remove(id);
        s.Close(_log);
    }

    public void CloseTunnel(ushort tunnelId)
    {
        if (!_tunnels.Remove(tunnelId, out var tunnel)) return;
        foreach (long id in tunnel.Sessions.ToList()) CloseSession(id);
        try { _netlink.DeleteTunnel(tunnelId); }
        catch (Platform.Linux.Netlink.NetlinkException e) when (e.Errno == Platform.Linux.Netlink.Errno.ENODEV) { }
        catch (IOException e) { _log.Warn("l2tp", "kernel tunnel delete failed; closing its socket deletes it", ("tunnel", tunnelId), ("error", e.Message)); }
        // Closing the socket would delete the tunnel too; the explicit delete is there so a
        // refusal shows in the log.
        tunnel.Socket.Dispose();
        _claims.Release(tunnelId);
    }

    public void Dispose()
    {
        foreach (ushort t in _tunnels.Keys.ToList()) CloseTunnel(t);
        foreach (long id in _sessions.Keys.ToList()) CloseSession(id);
        _frames.Writer.TryComplete();
        _rtnl.Dispose();
        _netlink.Dispose();
    }

    private sealed class Tunnel(ushort id, ushort peerId, MarkedL2tpSocket socket)
    {
        public ushort Id { get; } = id;
        public ushort PeerId { get; } = peerId;
        public MarkedL2tpSocket Socket { get; } = socket;
        public HashSet<long> Sessions { get; } = [];
    }

    /// <summary>One kernel session and the thread that reads its channel and unit.</summary>
    private sealed class Session
    {
        /// <summary>How long a teardown waits for the reader, which a wake ends at once.</summary>
        private static readonly TimeSpan StopWait = TimeSpan.FromMilliseconds(500);
        private readonly Thread _reader;
        private readonly ChannelWriter<KernelPppFrame> _sink;
        /// <summary>The reader sleeps in it until a frame comes or the runner wakes it (a unit
        /// created or destroyed, the session closing): no timer, so an idle session costs the
        /// CPU nothing while the kernel moves its data.</summary>
        private readonly WakeableWait _wait;
        private volatile bool _stopping;

        public Session(long id, ushort tunnelId, L2tpPppLink link, ChannelWriter<KernelPppFrame> sink)
        {
            Id = id;
            TunnelId = tunnelId;
            Link = link;
            _sink = sink;
            _wait = WakeableWait.Create();
            _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"ppp-chan-{link.Channel.Index}" };
            _reader.Start();
        }

        public long Id { get; }
        public ushort TunnelId { get; }
        public L2tpPppLink Link { get; }

        /// <summary>Held while the reader reads the unit and while the runner creates or closes
        /// it, so the reader never reads a unit fd number the kernel has reused.</summary>
        public object UnitGate { get; } = new();

        /// <summary>The runner created or destroyed the unit (under <see cref="UnitGate"/>): the
        /// reader waits on the new set of fds from now on.</summary>
        public void UnitChanged() => _wait.Wake();

        public void DestroyUnit(Log log)
        {
            lock (UnitGate)
            {
                foreach (var f in Link.DestroyUnit())
                    log.Warn("l2tp", "ppp unit teardown step failed", ("session", Id), ("error", f.Message));
            }
            UnitChanged();
        }

        /// <summary>LCP and authentication frames come up the channel. Once a unit is connected,
        /// the network control protocols' frames (IPCP, IPV6CP, CCP: a Configure-Request resent
        /// after IPCP opened, a Terminate-Request) come up the unit instead: the reader waits on
        /// both. A unit fd number it waits on may be stale by the time poll returns (the wake
        /// that follows every change makes it look again), so it reads only the unit the link
        /// holds under the gate.</summary>
        private void ReadLoop()
        {
            var buffer = new byte[ChannelBuffer];
            Span<int> fds = stackalloc int[2];
            while (!_stopping)
            {
                try
                {
                    fds[0] = Link.Channel.Fd;
                    lock (UnitGate) fds[1] = Link.Unit?.Fd ?? -1;
                    if (!_wait.Wait(fds, $"ppp channel {Link.Channel.Index}")) continue;
                    int n;
                    while (!_stopping && (n = Link.Channel.TryRead(buffer)) > 0)
                        HandOn(buffer, n);
                    lock (UnitGate)
                    {
                        while (!_stopping && Link.Unit is { } unit && (n = unit.TryRead(buffer)) > 0)
                            HandOn(buffer, n);
                    }
                }
                catch (ObjectDisposedException) { return; }
                catch (SyscallException) when (_stopping) { return; }
                catch (SyscallException) { Thread.Sleep(100); }
            }
        }

        private void HandOn(byte[] buffer, int length) => _sink.TryWrite(new KernelPppFrame(Id, buffer.AsSpan(0, length).ToArray()));

        /// <summary>The reader stops before the channel's fd closes, so it never reads a number
        /// the kernel has given to another file in the meantime.</summary>
        public void Close(Log log)
        {
            _stopping = true;
            _wait.Wake();
            bool stopped = _reader.Join(StopWait);
            lock (UnitGate)
            {
                foreach (var f in Link.Close())
                    log.Warn("l2tp", "kernel session teardown step failed", ("session", Id), ("error", f.Message));
            }
            // A reader that did not stop (it never should) may still poll the eventfd: it stays open.
            if (stopped) _wait.Dispose();
        }
    }
}
