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
/// </summary>
public sealed class IkeSockets : IAsyncDisposable
{
    public const int MaxDatagram = 65535;
    private readonly Socket _ike;
    private readonly Socket _natT;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<IkeDatagram> _received = Channel.CreateBounded<IkeDatagram>(
        new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Task[] _loops;
    private long _keepalives, _malformed, _overflow;

    private IkeSockets(Socket ike, Socket natT, int ikePort, int natTPort)
    {
        _ike = ike;
        _natT = natT;
        IkePort = ikePort;
        NatTraversalPort = natTPort;
        _loops = [ReceiveLoop(_ike, false), ReceiveLoop(_natT, true)];
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
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task ReceiveLoop(Socket socket, bool natT)
    {
        var buffer = new byte[MaxDatagram];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult r;
            try { r = await socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, _stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; } // ICMP errors surface here; the next datagram is unaffected
            var from = (IPEndPoint)r.RemoteEndPoint;
            var local = new IPEndPoint(r.PacketInformation.Address, port);
            var data = buffer.AsSpan(0, r.ReceivedBytes);
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

    /// <summary>Sends an IKE message; on 4500 with the non-ESP marker in front.</summary>
    public ValueTask<int> SendIkeAsync(byte[] message, IPEndPoint to, bool natTraversalPort, CancellationToken cancel)
    {
        if (!natTraversalPort) return _ike.SendToAsync(message, SocketFlags.None, to, cancel);
        var framed = new byte[message.Length + 4];
        message.CopyTo(framed, 4);
        return _natT.SendToAsync(framed, SocketFlags.None, to, cancel);
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
        _ike.Dispose();
        _natT.Dispose();
        await Task.WhenAll(_loops);
        _received.Writer.TryComplete();
        _stop.Dispose();
    }
}
