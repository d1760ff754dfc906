using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Appliance.Platform.Linux.Udp;

/// <summary>An L2TP datagram and the mark the kernel's ESP SA put on it (0: none).</summary>
public readonly record struct MarkedDatagram(byte[] Data, IPEndPoint From, IPEndPoint Local, uint Mark);

/// <summary>
/// UDP port 1701 for the kernel ESP datapath. Clients behind one NAT reach it from the same
/// address and, inside ESP, often the same port 1701: the only thing that tells them apart is
/// which SA decrypted the datagram, which the kernel says with the SA's mark (XFRMA_SET_MARK,
/// read here with SO_RCVMARK). A reply goes out with the client's mark (SO_MARK), which selects
/// the client's outbound policy and SA. .NET's Socket exposes neither, hence recvmsg here.
/// One thread reads (recvmsg blocks); sends come from the daemon's task.
/// </summary>
public sealed unsafe partial class MarkedL2tpSocket : IDisposable
{
    private const int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_REUSEPORT = 15, SO_MARK = 36, SO_RCVMARK = 75, IPPROTO_IP = 0, IP_PKTINFO = 8, IP_XFRM_POLICY = 17;
    private const int MaxDatagram = 65535;
    private readonly Socket _socket;
    private readonly int _fd;
    private readonly Thread _reader;
    private readonly Channel<MarkedDatagram> _received;
    /// <summary>False for a tunnel socket: it writes into its listener's queue, which it must not complete.</summary>
    private readonly bool _ownsQueue;
    private readonly object _sendGate = new();
    private volatile bool _stopping;
    private long _overflow;

    private MarkedL2tpSocket(Socket socket, Channel<MarkedDatagram>? shared, string threadName, bool startReading = true)
    {
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _ownsQueue = shared is null;
        _received = shared ?? Channel.CreateBounded<MarkedDatagram>(
            new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.DropWrite });
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = threadName };
        if (startReading) _reader.Start();
    }

    public ChannelReader<MarkedDatagram> Received => _received.Reader;
    public long Overflow => Interlocked.Read(ref _overflow);
    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;
    /// <summary>The .NET socket (for a kernel L2TP tunnel: its file descriptor and peer).</summary>
    public Socket Socket => _socket;

    /// <summary>The listener. SO_REUSEADDR and SO_REUSEPORT let connected per-tunnel sockets
    /// (<see cref="OpenTunnelSocket"/>) share port 1701 with it.</summary>
    public static MarkedL2tpSocket Open(IPAddress address, int port = 1701)
    {
        var socket = NewSocket();
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return new MarkedL2tpSocket(socket, null, $"l2tp-{port}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A socket for one kernel L2TP tunnel: bound to <paramref name="local"/>, marked with the
    /// client's carrier <paramref name="mark"/> and connected to <paramref name="peer"/>. The mark
    /// is set before connect: the route lookup of connect (and every packet the kernel's L2TP
    /// sends on the socket) then finds the client's outbound XFRM policy, not the guard that
    /// blocks unmarked UDP from 1701. The kernel UDP lookup prefers a connected socket, so the
    /// peer's datagrams land here; the control messages (and data of sessions the kernel does
    /// not know) that the kernel passes up go, with their marks, into this listener's queue.
    /// <paramref name="inboundPolicy"/>, when given, is set before the socket is bound (see
    /// <see cref="SetInboundPolicy"/>), so no datagram reaches it unchecked.
    /// </summary>
    public MarkedL2tpSocket OpenTunnelSocket(IPEndPoint local, IPEndPoint peer, uint mark, byte[]? inboundPolicy = null) =>
        OpenTunnelSocket(local, peer, mark, inboundPolicy, startReading: true);

    /// <summary>Tests: <paramref name="startReading"/> false leaves datagrams queued in the kernel
    /// until <see cref="Dispose"/>, as they are when the reader has not got to them yet.</summary>
    internal MarkedL2tpSocket OpenTunnelSocket(IPEndPoint local, IPEndPoint peer, uint mark, byte[]? inboundPolicy, bool startReading)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(peer);
        var socket = NewSocket();
        try
        {
            int fd = (int)socket.SafeHandle.DangerousGetHandle();
            uint m = mark;
            if (setsockopt(fd, SOL_SOCKET, SO_MARK, &m, sizeof(uint)) != 0)
                throw new SocketException(Marshal.GetLastPInvokeError());
            if (inboundPolicy is not null) SetPolicy(fd, inboundPolicy);
            socket.Bind(local);
            socket.Connect(peer);
            return new MarkedL2tpSocket(socket, _received, $"l2tp-{peer}", startReading);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// An XFRM policy for this socket alone (IP_XFRM_POLICY; the bytes from
    /// XfrmMessages.SocketPolicy). The kernel checks an inbound one for every datagram UDP
    /// delivers to the socket, before the encapsulation hook through which the kernel's L2TP
    /// takes a tunnel's data, and drops what did not come through a matching SA (counted in
    /// /proc/net/xfrm_stat). Needs CAP_NET_ADMIN and xfrm_user.
    /// </summary>
    public void SetInboundPolicy(byte[] policy) => SetPolicy(_fd, policy);

    private static void SetPolicy(int fd, byte[] policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        fixed (byte* p = policy)
        {
            if (setsockopt(fd, IPPROTO_IP, IP_XFRM_POLICY, p, policy.Length) != 0)
                throw new SocketException(Marshal.GetLastPInvokeError());
        }
    }

    private static Socket NewSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            int on = 1;
            int fd = (int)socket.SafeHandle.DangerousGetHandle();
            if (setsockopt(fd, SOL_SOCKET, SO_RCVMARK, &on, sizeof(int)) != 0 ||
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(int)) != 0 ||
                setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(int)) != 0)
                throw new SocketException(Marshal.GetLastPInvokeError());
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends with <paramref name="mark"/> (the client's carrier), so the kernel encrypts it
    /// with that client's SA; without a matching policy the guard policy refuses it (EPERM).</summary>
    public void Send(ReadOnlySpan<byte> data, IPEndPoint to, uint mark)
    {
        lock (_sendGate)
        {
            uint m = mark;
            if (setsockopt(_fd, SOL_SOCKET, SO_MARK, &m, sizeof(uint)) != 0)
                throw new SocketException(Marshal.GetLastPInvokeError());
            _socket.SendTo(data, SocketFlags.None, to);
        }
    }

    private void ReadLoop()
    {
        byte* buffer = (byte*)NativeMemory.Alloc(MaxDatagram);
        byte* control = stackalloc byte[128];
        try
        {
            while (true) // ends at the end of the queue after Dispose's shutdown, or on its error
            {
                SockAddrIn from = default;
                IoVec iov = new() { Base = buffer, Length = MaxDatagram };
                MsgHdr msg = new() { Name = &from, NameLength = sizeof(SockAddrIn), Iov = &iov, IovLength = 1, Control = control, ControlLength = 128 };
                long n = recvmsg(_fd, &msg, 0);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (_stopping) return;
                    if (errno == 4 /* EINTR */ || errno == 11 /* EAGAIN */) continue;
                    Thread.Sleep(10); // ICMP errors surface here; the next datagram is unaffected
                    continue;
                }
                // After Dispose's shutdown, what is still queued is read out before the 0 that
                // says the queue is empty: a tunnel socket closes while its peer is still talking
                // (a StopCCN crossing ours), and what it had queued would otherwise be lost.
                if (n == 0 && _stopping) return;
                uint mark = 0;
                var local = IPAddress.Any;
                for (var c = (CmsgHdr*)(msg.ControlLength >= (ulong)sizeof(CmsgHdr) ? control : null); c is not null; c = NextCmsg(&msg, c))
                {
                    byte* data = (byte*)c + sizeof(CmsgHdr);
                    if (c->Level == SOL_SOCKET && c->Type == SO_MARK && c->Length >= (ulong)(sizeof(CmsgHdr) + 4)) mark = *(uint*)data;
                    else if (c->Level == IPPROTO_IP && c->Type == IP_PKTINFO && c->Length >= (ulong)(sizeof(CmsgHdr) + 12))
                        local = new IPAddress(new ReadOnlySpan<byte>(data + 8, 4)); // ipi_addr
                }
                var source = new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(&from.Address, 4)), BinaryPrimitives.ReverseEndianness(from.Port));
                var datagram = new MarkedDatagram(new ReadOnlySpan<byte>(buffer, (int)n).ToArray(), source, new IPEndPoint(local, Port), mark);
                if (!_received.Writer.TryWrite(datagram)) Interlocked.Increment(ref _overflow);
            }
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    private static CmsgHdr* NextCmsg(MsgHdr* msg, CmsgHdr* c)
    {
        ulong step = (c->Length + 7) & ~7UL;
        byte* next = (byte*)c + step;
        byte* end = (byte*)msg->Control + msg->ControlLength;
        return next + sizeof(CmsgHdr) > end || c->Length < (ulong)sizeof(CmsgHdr) ? null : (CmsgHdr*)next;
    }

    public void Dispose()
    {
        _stopping = true;
        // shutdown wakes a recvmsg blocked on a UDP socket (closing alone would not); the reader
        // then takes what is queued and stops at the end of the queue.
        _ = shutdown(_fd, 2);
        if ((_reader.ThreadState & ThreadState.Unstarted) != 0) _reader.Start();
        _reader.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();
        if (_ownsQueue) _received.Writer.TryComplete();
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockAddrIn
    {
        public ushort Family;
        public ushort Port;
        public uint Address;
        public ulong Zero;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public ulong Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public int NameLength;
        public IoVec* Iov;
        public ulong IovLength;
        public void* Control;
        public ulong ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHdr
    {
        public ulong Length;
        public int Level;
        public int Type;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long recvmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, void* value, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int shutdown(int fd, int how);
}
