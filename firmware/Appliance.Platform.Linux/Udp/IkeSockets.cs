using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Appliance.Protocols.Esp;

namespace Appliance.Platform.Linux.Udp;

/// <summary>
/// The IKE ports: UDP 500 and UDP 4500 (NAT traversal). On 4500 a datagram starting with four
/// zero bytes is IKE (the non-ESP marker, RFC 3948 §2.2), a single 0xFF byte is a NAT keepalive
/// (§2.3, dropped), anything else is ESP. The local address of each datagram comes from
/// IP_PKTINFO, because NAT detection hashes the address the peer actually sent to.
/// <para>
/// Each socket has its own receiving thread in a blocking recvmsg, and the channel runs its
/// reader's continuation on that thread: a datagram costs one thread wake-up, not three (epoll
/// thread, pool thread for the receive, pool thread for the reader), which on a small CPU was
/// a large part of an IKE exchange's cost. Sends are synchronous (UDP sends do not wait for the
/// peer) for the same reason.
/// </para>
/// </summary>
public sealed class IkeSockets : IAsyncDisposable
{
    public const int MaxDatagram = 65535;

    // The kernel's queue is the only buffer in front of the IKE thread: while it is busy or
    // preempted, handshakes from many clients (and on 4500 their ESP) pile up there. The default
    // (net.core.rmem_default, ~200 KiB, ~170 small datagrams) overflowed under load in the IKE
    // benchmark; this is a limit, not an allocation.
    private const int ReceiveBufferBytes = 4 << 20;
    private const int SolSocket = 1, SoRcvBufForce = 33;
    private readonly Socket _ike;
    private readonly Socket _natT;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<IkeDatagram> _received = Channel.CreateBounded<IkeDatagram>(
        new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true, AllowSynchronousContinuations = true });
    private readonly Task[] _loops;
    private long _keepalives, _malformed, _overflow;

    private IkeSockets(Socket ike, Socket natT, int ikePort, int natTPort)
    {
        _ike = ike;
        _natT = natT;
        IkePort = ikePort;
        NatTraversalPort = natTPort;
        _loops = [StartReceiving(_ike, false), StartReceiving(_natT, true)];
    }

    public int IkePort { get; }
    public int NatTraversalPort { get; }
    public ChannelReader<IkeDatagram> Received => _received.Reader;
    public long Keepalives => Interlocked.Read(ref _keepalives);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long Overflow => Interlocked.Read(ref _overflow);

    /// <summary>Binds both ports on <paramref name="address"/> (Any for every interface). With
    /// <paramref name="kernelEspInUdp"/> the 4500 socket becomes the kernel's ESP-in-UDP
    /// decapsulator (UDP_ENCAP_ESPINUDP): ESP goes to XFRM, only IKE and keepalives reach us.</summary>
    public static IkeSockets Open(IPAddress address, int ikePort = 500, int natTPort = 4500, bool kernelEspInUdp = false)
    {
        var ike = Bind(address, ikePort);
        try
        {
            var natT = Bind(address, natTPort);
            if (kernelEspInUdp)
            {
                try { Netlink.UdpEncapSocket.Enable(natT); }
                catch { natT.Dispose(); throw; }
            }
            return new IkeSockets(ike, natT, ((IPEndPoint)ike.LocalEndPoint!).Port, natTPort);
        }
        catch
        {
            ike.Dispose();
            throw;
        }
    }

    private static Socket Bind(IPAddress address, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            EnlargeReceiveBuffer(socket);
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>SO_RCVBUFFORCE (as root, past net.core.rmem_max), else SO_RCVBUF up to rmem_max.</summary>
    private static void EnlargeReceiveBuffer(Socket socket)
    {
        try { socket.SetRawSocketOption(SolSocket, SoRcvBufForce, BitConverter.GetBytes(ReceiveBufferBytes)); }
        catch (SocketException)
        {
            try { socket.ReceiveBufferSize = ReceiveBufferBytes; }
            catch (SocketException) { } // the default buffer still works, only overflows sooner
        }
    }

    private Task StartReceiving(Socket socket, bool natT) =>
        Task.Factory.StartNew(() => ReceiveLoop(socket, natT), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void ReceiveLoop(Socket socket, bool natT)
    {
        Thread.CurrentThread.Name = natT ? "ike-recv-4500" : "ike-recv-500";
        var buffer = new byte[MaxDatagram];
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        while (!_stop.IsCancellationRequested)
        {
            EndPoint remote = new IPEndPoint(IPAddress.Any, 0);
            SocketFlags flags = SocketFlags.None;
            int received;
            IPPacketInformation info;
            try { received = socket.ReceiveMessageFrom(buffer, ref flags, ref remote, out info); }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; } // an ICMP error; the next datagram is unaffected
            if (_stop.IsCancellationRequested) return;
            var from = (IPEndPoint)remote;
            var local = new IPEndPoint(info.Address, port);
            var data = buffer.AsSpan(0, received);
            IkeDatagram datagram;
            if (!natT) datagram = new IkeDatagram(data.ToArray(), from, local, false, false);
            else switch (EspInUdp.Classify(data))
            {
                case EspInUdpKind.NatKeepalive: Interlocked.Increment(ref _keepalives); continue;
                case EspInUdpKind.Ike: datagram = new IkeDatagram(EspInUdp.GetIkeMessage(data).ToArray(), from, local, true, false); break;
                case EspInUdpKind.Esp: datagram = new IkeDatagram(data.ToArray(), from, local, true, true); break;
                default: Interlocked.Increment(ref _malformed); continue;
            }
            if (!_received.Writer.TryWrite(datagram)) Interlocked.Increment(ref _overflow);
        }
    }

    /// <summary>Sends an IKE message; on 4500 with the non-ESP marker in front. Synchronous, as
    /// <see cref="SendEsp"/>: a UDP send does not wait for the peer, and an await per reply cost a
    /// thread hop.</summary>
    public void SendIke(byte[] message, IPEndPoint to, bool natTraversalPort)
    {
        if (!natTraversalPort)
        {
            _ike.SendTo(message, SocketFlags.None, to);
            return;
        }
        var framed = new byte[message.Length + 4];
        message.CopyTo(framed, 4);
        _natT.SendTo(framed, SocketFlags.None, to);
    }

    /// <summary>Sends an ESP packet in UDP from port 4500 (RFC 3948: no marker; its SPI is never zero).
    /// Synchronous: UDP sends do not block, and the caller holds the VPN state's lock.</summary>
    public void SendEsp(byte[] esp, IPEndPoint to) => _natT.SendTo(esp, SocketFlags.None, to);

    /// <summary>As <see cref="SendEsp"/>, awaitable.</summary>
    public ValueTask<int> SendEspAsync(byte[] esp, IPEndPoint to, CancellationToken cancel) =>
        _natT.SendToAsync(esp, SocketFlags.None, to, cancel);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        // The receiving threads block in recvmsg without a timeout (an idle box should not wake
        // up for nothing): shutting the sockets down wakes them at once (Linux does so even for
        // an unconnected UDP socket, though it answers ENOTCONN).
        foreach (var socket in new[] { _ike, _natT })
        {
            try { socket.Shutdown(SocketShutdown.Both); }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        }
        _ike.Dispose();
        _natT.Dispose();
        await Task.WhenAll(_loops);
        _received.Writer.TryComplete();
        _stop.Dispose();
    }
}
