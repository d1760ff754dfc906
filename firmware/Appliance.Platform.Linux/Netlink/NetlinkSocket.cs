using System.Runtime.InteropServices;
using static Appliance.Platform.Linux.Interop.Libc;
using static Appliance.Platform.Linux.Netlink.NetlinkSyscalls;

namespace Appliance.Platform.Linux.Netlink;

/// <summary>
/// One bound netlink socket of any protocol (NETLINK_XFRM, NETLINK_GENERIC, NETLINK_ROUTE): sends
/// a request with its own sequence number and waits for the kernel's ACK or reply; a refusal
/// becomes a <see cref="NetlinkException"/> naming the operation and the errno. Messages that
/// answer nothing (notifications of a joined group) go to <see cref="Unsolicited"/>. Requests are
/// serialised; the family adapters (<see cref="XfrmSocket"/>, the L2TP and rtnetlink adapters)
/// build their messages and hand them to this one plumbing.
/// </summary>
public sealed unsafe class NetlinkSocket : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private readonly object _lock = new();
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly string _protocolName;
    private int _fd;
    private uint _sequence;
    private long _droppedNotifications, _ignoredMessages;

    private NetlinkSocket(int fd, uint portId, string protocolName)
    {
        _fd = fd;
        PortId = portId;
        _protocolName = protocolName;
    }

    /// <summary>The port id the kernel gave this socket (its netlink address).</summary>
    public uint PortId { get; }

    /// <summary>How long a request waits for the kernel's answer.</summary>
    public TimeSpan ReplyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Notifications the kernel could not queue (ENOBUFS: the socket's buffer was full).</summary>
    public long DroppedNotifications => Interlocked.Read(ref _droppedNotifications);

    /// <summary>Messages received that answered nothing and that no <see cref="Unsolicited"/>
    /// handler took, or that were malformed.</summary>
    public long IgnoredMessages => Interlocked.Read(ref _ignoredMessages);

    /// <summary>Receives every message that is not the answer to the request in flight (called
    /// under the socket's lock); returns false to count it as ignored.</summary>
    public Func<NetlinkMessage, bool>? Unsolicited { get; set; }

    /// <summary>Opens and binds a netlink socket of <paramref name="protocol"/> (extended ACKs on,
    /// echoed requests capped). <paramref name="protocolName"/> ("NETLINK_GENERIC") names it in errors.</summary>
    public static NetlinkSocket Open(int protocol, string protocolName)
    {
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
        if (fd < 0)
            throw new NetlinkException($"socket(AF_NETLINK, {protocolName})", Marshal.GetLastPInvokeError());
        try
        {
            int one = 1;
            // Best effort: older kernels lack them, and errors stay readable without.
            _ = setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(int));
            _ = setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(int));
            var address = new SockAddrNl { Family = AF_NETLINK };
            if (bind(fd, &address, sizeof(SockAddrNl)) != 0)
                throw new NetlinkException($"bind({protocolName})", Marshal.GetLastPInvokeError());
            int length = sizeof(SockAddrNl);
            if (getsockname(fd, &address, &length) != 0)
                throw new NetlinkException($"getsockname({protocolName})", Marshal.GetLastPInvokeError());
            return new NetlinkSocket(fd, address.PortId, protocolName);
        }
        catch
        {
            _ = close(fd);
            throw;
        }
    }

    /// <summary>Joins a multicast group (its notifications then reach <see cref="Unsolicited"/>).</summary>
    public void JoinGroup(uint group, string groupName)
    {
        lock (_lock)
        {
            int fd = LiveFd();
            if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(uint)) != 0)
                throw new NetlinkException($"NETLINK_ADD_MEMBERSHIP({groupName})", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>
    /// Sends the request that <paramref name="build"/> makes for a fresh sequence number and waits
    /// for its answer: with <paramref name="expectReply"/> the first message of a family type
    /// (≥ 0x10) that carries the sequence (null never), else the ACK (returns null). An error
    /// answer throws <see cref="NetlinkException"/> named by <paramref name="operation"/>.
    /// </summary>
    public NetlinkMessage? Transact(Func<uint, byte[]> build, string operation, bool expectReply)
    {
        ArgumentNullException.ThrowIfNull(build);
        lock (_lock)
        {
            int fd = LiveFd();
            uint sequence = ++_sequence;
            if (sequence == 0)
                sequence = ++_sequence; // 0 is what notifications carry
            byte[] request = build(sequence);
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
                        Dispatch(message);
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
                        throw new NetlinkException(operation, Errno.EBADMSG, "truncated NLMSG_ERROR");
                    if (expectReply && message.Header.Type >= 0x10)
                        return message;
                    Interlocked.Increment(ref _ignoredMessages);
                }
            }
        }
    }

    /// <summary>Waits until <paramref name="deadline"/> (Environment.TickCount64; long.MaxValue
    /// for ever) for one datagram and hands its messages to <see cref="Unsolicited"/>. False when
    /// nothing came in time.</summary>
    internal bool ReceiveNotifications(long deadline, string operation)
    {
        lock (_lock)
        {
            var datagram = Receive(deadline, operation);
            if (datagram is null)
                return false;
            var messages = NetlinkMessage.Split(datagram, out bool malformed);
            if (malformed)
                Interlocked.Increment(ref _ignoredMessages);
            foreach (var message in messages)
                Dispatch(message);
            return true;
        }
    }

    private void Dispatch(NetlinkMessage message)
    {
        if (Unsolicited?.Invoke(message) != true)
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
                int errno = sent < 0 ? Marshal.GetLastPInvokeError() : Errno.EMSGSIZE;
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

    private int LiveFd() => _fd >= 0 ? _fd : throw new ObjectDisposedException($"NetlinkSocket({_protocolName})");

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
