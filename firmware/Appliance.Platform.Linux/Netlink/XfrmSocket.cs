using System.Net;

namespace Appliance.Platform.Linux.Netlink;

/// <summary>
/// A NETLINK_XFRM socket: installs and removes ESP SAs and policies, reads SA counters, and
/// (after <see cref="SubscribeExpire"/>) receives the kernel's expire notifications. Each request
/// carries its own sequence number and waits for the kernel's ACK or reply; a refusal becomes a
/// <see cref="NetlinkException"/> naming the errno. Needs CAP_NET_ADMIN. Requests are serialised.
/// The socket plumbing is <see cref="NetlinkSocket"/>; this class adds XFRM's messages and expires.
/// </summary>
public sealed class XfrmSocket : IDisposable
{
    private readonly object _lock = new();
    private readonly Queue<XfrmExpire> _expires = new();
    private readonly NetlinkSocket _socket;
    private bool _expireSubscribed;

    private XfrmSocket(NetlinkSocket socket)
    {
        _socket = socket;
        _socket.Unsolicited = Unsolicited;
    }

    /// <summary>The port id the kernel gave this socket (its netlink address).</summary>
    public uint PortId => _socket.PortId;

    /// <summary>How long a request waits for the kernel's answer.</summary>
    public TimeSpan ReplyTimeout
    {
        get => _socket.ReplyTimeout;
        set => _socket.ReplyTimeout = value;
    }

    /// <summary>Notifications the kernel could not queue (ENOBUFS: the socket's buffer was full).</summary>
    public long DroppedNotifications => _socket.DroppedNotifications;

    /// <summary>Messages received that were neither an answer nor an expire (or were malformed).</summary>
    public long IgnoredMessages => _socket.IgnoredMessages;

    /// <summary>Opens and binds a NETLINK_XFRM socket (extended ACKs on, echoed requests capped).</summary>
    public static XfrmSocket Open() => new(NetlinkSocket.Open(NetlinkSyscalls.NETLINK_XFRM, "NETLINK_XFRM"));

    // --- Requests -------------------------------------------------------------------------

    /// <summary>Installs an SA (XFRM_MSG_NEWSA). EEXIST when one with the same destination, SPI
    /// and protocol is already there.</summary>
    public void AddSa(XfrmSaSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Transact(Xfrm.XFRM_MSG_NEWSA, seq => XfrmMessages.NewSa(spec, seq), expectReply: false);
    }

    /// <summary>Removes an SA (XFRM_MSG_DELSA). ESRCH when there is none.</summary>
    public void DeleteSa(IPAddress destination, uint spi, byte protocol = Xfrm.IPPROTO_ESP) =>
        Transact(Xfrm.XFRM_MSG_DELSA, seq => XfrmMessages.DeleteSa(destination, spi, seq, protocol), expectReply: false);

    /// <summary>Reads an SA back (XFRM_MSG_GETSA). ESRCH when there is none.</summary>
    public XfrmSaInfo GetSa(IPAddress destination, uint spi, byte protocol = Xfrm.IPPROTO_ESP)
    {
        var reply = Transact(Xfrm.XFRM_MSG_GETSA, seq => XfrmMessages.GetSa(destination, spi, seq, protocol), expectReply: true)!.Value;
        if (!XfrmMessages.TryParseSa(reply, out var sa) || sa is null)
            throw new NetlinkException(Xfrm.MessageName(Xfrm.XFRM_MSG_GETSA), Errno.EBADMSG, "reply too short or not an IPv4 SA");
        return sa;
    }

    /// <summary>Bytes and packets the SA has carried, with its replay and integrity drops.</summary>
    public XfrmSaCounters GetSaCounters(IPAddress destination, uint spi, byte protocol = Xfrm.IPPROTO_ESP) =>
        GetSa(destination, spi, protocol).Counters;

    /// <summary>Installs a policy (XFRM_MSG_NEWPOLICY). EEXIST when the same selector and
    /// direction already has one.</summary>
    public void AddPolicy(XfrmPolicySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Transact(Xfrm.XFRM_MSG_NEWPOLICY, seq => XfrmMessages.NewPolicy(spec, seq), expectReply: false);
    }

    /// <summary>Removes the policy with this selector and direction (XFRM_MSG_DELPOLICY). ENOENT when there is none.</summary>
    public void DeletePolicy(XfrmSelector selector, XfrmPolicyDirection direction, XfrmMark? mark = null) =>
        Transact(Xfrm.XFRM_MSG_DELPOLICY, seq => XfrmMessages.DeletePolicy(selector, direction, seq, mark), expectReply: false);

    public void DeletePolicy(XfrmPolicySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        DeletePolicy(spec.Selector, spec.Direction, spec.Mark);
    }

    // --- Expire notifications -------------------------------------------------------------

    /// <summary>Joins XFRMNLGRP_EXPIRE: the kernel then sends an XFRM_MSG_EXPIRE for every SA that
    /// reaches a soft limit (rekey) or a hard one (deleted).</summary>
    public void SubscribeExpire()
    {
        lock (_lock)
        {
            _socket.JoinGroup(Xfrm.XFRMNLGRP_EXPIRE, "XFRMNLGRP_EXPIRE");
            _expireSubscribed = true;
        }
    }

    /// <summary>The next expire notification, or null when none came within <paramref name="timeout"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/> waits for ever). Expires that arrived while a request
    /// waited for its answer are returned first. Requests on this socket wait while it listens:
    /// a daemon keeps one socket for requests and another for notifications.</summary>
    public XfrmExpire? ReceiveExpire(TimeSpan timeout)
    {
        lock (_lock)
        {
            if (!_expireSubscribed)
                throw new InvalidOperationException("call SubscribeExpire first");
            if (_expires.TryDequeue(out var pending))
                return pending;
            long deadline = timeout == Timeout.InfiniteTimeSpan
                ? long.MaxValue
                : Environment.TickCount64 + (long)Math.Max(0, timeout.TotalMilliseconds);
            while (true)
            {
                if (!_socket.ReceiveNotifications(deadline, "recv(XFRMNLGRP_EXPIRE)"))
                    return null;
                if (_expires.TryDequeue(out var expire))
                    return expire;
            }
        }
    }

    // --- Plumbing -------------------------------------------------------------------------

    private NetlinkMessage? Transact(ushort type, Func<uint, byte[]> build, bool expectReply)
    {
        lock (_lock)
            return _socket.Transact(build, Xfrm.MessageName(type), expectReply);
    }

    private bool Unsolicited(NetlinkMessage message)
    {
        if (_expireSubscribed && XfrmMessages.TryParseExpire(message, out var expire) && expire is not null)
        {
            _expires.Enqueue(expire);
            return true;
        }
        return false;
    }

    public void Dispose() => _socket.Dispose();
}
