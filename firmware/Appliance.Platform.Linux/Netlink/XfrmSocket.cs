using System.Net;
using System.Runtime.InteropServices;
using static Appliance.Platform.Linux.Netlink.NetlinkSyscalls;

namespace Appliance.Platform.Linux.Netlink;

/// <summary>
/// A NETLINK_XFRM socket: installs and removes ESP SAs and policies, reads SA counters, and
/// (after <see cref="SubscribeExpire"/>) receives the kernel's expire notifications. Each request
/// carries its own sequence number and waits for the kernel's ACK or reply; a refusal becomes a
/// <see cref="NetlinkException"/> naming the errno. Needs CAP_NET_ADMIN. Requests are serialised.
/// </summary>
public sealed unsafe class XfrmSocket : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private readonly object _lock = new();
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly Queue<XfrmExpire> _expires = new();
    private int _fd;
    private uint _sequence;
    private bool _expireSubscribed;
    private long _droppedNotifications, _ignoredMessages;

    private XfrmSocket(int fd, uint portId)
    {
        _fd = fd;
        PortId = portId;
    }

    /// <summary>The port id the kernel gave this socket (its netlink address).</summary>
    public uint PortId { get; }

    /// <summary>How long a request waits for the kernel's answer.</summary>
    public TimeSpan ReplyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Notifications the kernel could not queue (ENOBUFS: the socket's buffer was full).</summary>
    public long DroppedNotifications => Interlocked.Read(ref _droppedNotifications);

    /// <summary>Messages received that were neither an answer nor an expire (or were malformed).</summary>
    public long IgnoredMessages => Interlocked.Read(ref _ignoredMessages);

    /// <summary>Opens and binds a NETLINK_XFRM socket (extended ACKs on, echoed requests capped).</summary>
    public static XfrmSocket Open()
    {
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
        if (fd < 0)
            throw new NetlinkException("socket(AF_NETLINK, NETLINK_XFRM)", Marshal.GetLastPInvokeError());
        try
        {
            int one = 1;
            // Best effort: older kernels lack them, and errors stay readable without.
            _ = setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(int));
            _ = setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(int));
            var address = new SockAddrNl { Family = AF_NETLINK };
            if (bind(fd, &address, sizeof(SockAddrNl)) != 0)
                throw new NetlinkException("bind(NETLINK_XFRM)", Marshal.GetLastPInvokeError());
            int length = sizeof(SockAddrNl);
            if (getsockname(fd, &address, &length) != 0)
                throw new NetlinkException("getsockname(NETLINK_XFRM)", Marshal.GetLastPInvokeError());
            return new XfrmSocket(fd, address.PortId);
        }
        catch
        {
            _ = close(fd);
            throw;
        }
    }

    // --- Requests -------------------------------------------------------------------------

    /// <summary>Installs an SA (XFRM_MSG_NEWSA). EEXIST when one with the same destination, SPI
    /// and protocol is already there.</summary>
    public void AddSa(XfrmSaSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Transact(seq => XfrmMessages.NewSa(spec, seq), expectReply: false);
    }

    /// <summary>Removes an SA (XFRM_MSG_DELSA). ESRCH when there is none.</summary>
    public void DeleteSa(IPAddress destination, uint spi, byte protocol = Xfrm.IPPROTO_ESP) =>
        Transact(seq => XfrmMessages.DeleteSa(destination, spi, seq, protocol), expectReply: false);

    /// <summary>Reads an SA back (XFRM_MSG_GETSA). ESRCH when there is none.</summary>
    public XfrmSaInfo GetSa(IPAddress destination, uint spi, byte protocol = Xfrm.IPPROTO_ESP)
    {
        var reply = Transact(seq => XfrmMessages.GetSa(destination, spi, seq, protocol), expectReply: true)!.Value;
        if (!XfrmMessages.TryParseSa(reply, out var sa) || sa is null)
            throw new NetlinkException(Xfrm.MessageName(Xfrm.XFRM_MSG_GETSA), 74 /* EBADMSG */, "reply too short or not an IPv4 SA");
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
        Transact(seq => XfrmMessages.NewPolicy(spec, seq), expectReply: false);
    }

    /// <summary>Removes the policy with this selector and direction (XFRM_MSG_DELPOLICY). ENOENT when there is none.</summary>
    public void DeletePolicy(XfrmSelector selector, XfrmPolicyDirection direction, XfrmMark? mark = null) =>
        Transact(seq => XfrmMessages.DeletePolicy(selector, direction, seq, mark), expectReply: false);

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
            int fd = LiveFd();
            uint group = Xfrm.XFRMNLGRP_EXPIRE;
            if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(uint)) != 0)
                throw new NetlinkException("NETLINK_ADD_MEMBERSHIP(XFRMNLGRP_EXPIRE)", Marshal.GetLastPInvokeError());
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
                var datagram = Receive(deadline, "recv(XFRMNLGRP_EXPIRE)");
                if (datagram is null)
                    return null;
                foreach (var message in NetlinkMessage.Split(datagram))
                    Unsolicited(message);
                if (_expires.TryDequeue(out var expire))
                    return expire;
            }
        }
    }

    // --- Plumbing -------------------------------------------------------------------------

    private NetlinkMessage? Transact(Func<uint, byte[]> build, bool expectReply)
    {
        lock (_lock)
        {
            int fd = LiveFd();
            uint sequence = ++_sequence;
            if (sequence == 0)
                sequence = ++_sequence; // 0 is what notifications carry
            byte[] request = build(sequence);
            var header = NetlinkHeader.Read(request);
            string operation = Xfrm.MessageName(header.Type);
            Send(fd, request, operation);

            long deadline = Environment.TickCount64 + (long)ReplyTimeout.TotalMilliseconds;
            while (true)
            {
                var datagram = Receive(deadline, operation)
                    ?? throw new NetlinkException(operation, Errno.ETIMEDOUT, $"no answer from the kernel within {ReplyTimeout.TotalSeconds:0.#} s");
                var messages = NetlinkMessage.Split(datagram, out bool malformed);
                if (malformed)
                    Interlocked.Increment(ref _ignoredMessages);
                foreach (var message in messages)
                {
                    if (message.Header.Sequence != sequence || message.Header.PortId != PortId)
                    {
                        Unsolicited(message);
                        continue;
                    }
                    if (NetlinkError.TryParse(message, out var error))
                    {
                        if (!error.IsAck)
                            throw new NetlinkException(operation, error.Errno, error.KernelMessage);
                        if (!expectReply)
                            return null;
                        continue;
                    }
                    if (message.Header.Type == NetlinkHeader.NLMSG_ERROR)
                        throw new NetlinkException(operation, 74 /* EBADMSG */, "truncated NLMSG_ERROR");
                    if (expectReply && message.Header.Type >= 0x10)
                        return message;
                    Interlocked.Increment(ref _ignoredMessages);
                }
            }
        }
    }

    private void Unsolicited(NetlinkMessage message)
    {
        if (_expireSubscribed && XfrmMessages.TryParseExpire(message, out var expire) && expire is not null)
            _expires.Enqueue(expire);
        else
            Interlocked.Increment(ref _ignoredMessages);
    }

    private static void Send(int fd, byte[] request, string operation)
    {
        var kernel = new SockAddrNl { Family = AF_NETLINK };
        fixed (byte* p = request)
        {
            while (true)
            {
                nint sent = sendto(fd, p, (nuint)request.Length, 0, &kernel, sizeof(SockAddrNl));
                if (sent == request.Length)
                    return;
                int errno = sent < 0 ? Marshal.GetLastPInvokeError() : 90 /* EMSGSIZE */;
                if (errno != EINTR)
                    throw new NetlinkException($"send({operation})", errno);
            }
        }
    }

    /// <summary>One datagram from the kernel (copied out), or null at the deadline. Datagrams from
    /// other processes are dropped; a datagram larger than the buffer is cut (its last message
    /// then fails the length check and is ignored).</summary>
    private byte[]? Receive(long deadline, string operation)
    {
        int fd = LiveFd();
        while (true)
        {
            long remaining = deadline - Environment.TickCount64;
            if (remaining < 0)
                return null;
            var pfd = new PollFd { Fd = fd, Events = POLLIN };
            int ready = poll(&pfd, 1, (int)Math.Min(remaining, int.MaxValue));
            if (ready < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR)
                    continue;
                throw new NetlinkException($"poll({operation})", errno);
            }
            if (ready == 0)
                return null;
            var from = new SockAddrNl();
            int fromLength = sizeof(SockAddrNl);
            nint received;
            fixed (byte* p = _buffer)
                received = recvfrom(fd, p, (nuint)_buffer.Length, MSG_DONTWAIT, &from, &fromLength);
            if (received < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is EINTR or EAGAIN)
                    continue;
                if (errno == ENOBUFS)
                {
                    Interlocked.Increment(ref _droppedNotifications);
                    continue;
                }
                throw new NetlinkException($"recv({operation})", errno);
            }
            if (from.PortId != 0)
            {
                Interlocked.Increment(ref _ignoredMessages);
                continue; // not from the kernel
            }
            return _buffer.AsSpan(0, (int)received).ToArray();
        }
    }

    private int LiveFd() => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(XfrmSocket));

    public void Dispose()
    {
        lock (_lock)
        {
            if (_fd >= 0)
            {
                _ = close(_fd);
                _fd = -1;
            }
        }
    }
}
