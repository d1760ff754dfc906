using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Appliance.Platform.Linux.Esp;

/// <summary>An ESP packet that arrived as IP protocol 50 (no NAT between us and the client).</summary>
public readonly record struct RawEspPacket(byte[] Data, IPEndPoint From);

/// <summary>
/// IP protocol 50 for the userspace ESP datapath, used when the kernel has no esp4 (with esp4 the
/// kernel's XFRM takes protocol 50 itself). Reading: an IPv4 raw socket delivers the IP header
/// too; it is checked and stripped here, so the datapath sees what ESP-in-UDP would give it.
/// Writing: the kernel builds the IP header. Needs CAP_NET_RAW.
/// </summary>
public sealed partial class RawEspSocket : IAsyncDisposable
{
    public const int ProtocolEsp = 50;
    private const int MaxPacket = 65535;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<RawEspPacket> _received = Channel.CreateBounded<RawEspPacket>(
        new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Task _loop;
    private long _malformed, _overflow;

    private RawEspSocket(Socket socket)
    {
        _socket = socket;
        _loop = Task.Run(ReceiveLoop);
    }

    public ChannelReader<RawEspPacket> Received => _received.Reader;
    public long Malformed => Interlocked.Read(ref _malformed);
    public long Overflow => Interlocked.Read(ref _overflow);

    public static RawEspSocket Open(IPAddress bindAddress)
    {
        // .NET's Socket constructor refuses protocol numbers it has no name for (ESP among them):
        // the socket is made with socket(2) and handed to it.
        int fd = OpenRawSocket(2 /* AF_INET */, 3 /* SOCK_RAW */, ProtocolEsp);
        if (fd < 0) throw new SocketException(System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        try
        {
            socket.Bind(new IPEndPoint(bindAddress, 0));
            return new RawEspSocket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The ESP packet inside an IPv4 packet as a raw socket returns it, or false when
    /// it is not a whole, unfragmented IPv4 packet of protocol 50.</summary>
    public static bool TryStripIpHeader(ReadOnlySpan<byte> ip, out Range esp)
    {
        esp = default;
        if (ip.Length < 20 || ip[0] >> 4 != 4) return false;
        int headerLength = (ip[0] & 0x0f) * 4;
        int total = (ip[2] << 8) | ip[3];
        if (headerLength < 20 || total < headerLength || total > ip.Length || ip[9] != ProtocolEsp) return false;
        esp = headerLength..total;
        return true;
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[MaxPacket];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try { r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            if (!TryStripIpHeader(buffer.AsSpan(0, r.ReceivedBytes), out var esp)) { Interlocked.Increment(ref _malformed); continue; }
            var from = (IPEndPoint)r.RemoteEndPoint;
            if (!_received.Writer.TryWrite(new RawEspPacket(buffer.AsSpan(esp).ToArray(), new IPEndPoint(from.Address, 0))))
                Interlocked.Increment(ref _overflow);
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int OpenRawSocket(int domain, int type, int protocol);

    public void Send(byte[] esp, IPAddress to) => _socket.SendTo(esp, SocketFlags.None, new IPEndPoint(to, 0));

    public ValueTask<int> SendAsync(byte[] esp, IPAddress to, CancellationToken cancel) =>
        _socket.SendToAsync(esp, SocketFlags.None, new IPEndPoint(to, 0), cancel);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _socket.Dispose();
        try { await _loop; } catch (OperationCanceledException) { }
        _received.Writer.TryComplete();
        _stop.Dispose();
    }
}
