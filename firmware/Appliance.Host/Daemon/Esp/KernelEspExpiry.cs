using System.Threading.Channels;
using Appliance.Platform.Linux.Netlink;

namespace Appliance.Host.Daemon.Esp;

/// <summary>
/// Listens for the kernel's XFRM expire notifications on a socket of its own (a socket that waits
/// for notifications cannot carry requests) and queues them for the IKE runner, which owns the
/// IKE state. A thread, not a task: the netlink receive blocks.
/// </summary>
internal sealed class KernelEspExpiry : IDisposable
{
    private readonly XfrmSocket _socket;
    private readonly Channel<XfrmExpire> _expires = Channel.CreateBounded<XfrmExpire>(
        new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Thread _thread;
    private volatile bool _stopping;

    private KernelEspExpiry(XfrmSocket socket)
    {
        _socket = socket;
        _thread = new Thread(Listen) { IsBackground = true, Name = "xfrm-expire" };
        _thread.Start();
    }

    public ChannelReader<XfrmExpire> Expires => _expires.Reader;

    public static KernelEspExpiry Start()
    {
        var socket = XfrmSocket.Open();
        try { socket.SubscribeExpire(); }
        catch { socket.Dispose(); throw; }
        return new KernelEspExpiry(socket);
    }

    private void Listen()
    {
        while (!_stopping)
        {
            XfrmExpire? expire;
            try { expire = _socket.ReceiveExpire(TimeSpan.FromSeconds(1)); }
            catch (Exception e) when (e is NetlinkException or ObjectDisposedException) { if (_stopping) return; Thread.Sleep(1000); continue; }
            if (expire is not null) _expires.Writer.TryWrite(expire);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join(TimeSpan.FromSeconds(3));
        _expires.Writer.TryComplete();
        _socket.Dispose();
    }
}
