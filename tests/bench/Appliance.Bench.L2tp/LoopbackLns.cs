using System.Net;
using System.Net.Sockets;
using System.Text;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.L2tp;
using Appliance.Protocols.Ppp;

namespace Appliance.Bench.L2tp;

/// <summary>
/// For --self-check only: the firmware's I/O-free L2TP server and PPP sessions behind one UDP
/// socket on 127.0.0.1, so the driver can be proved against a real LNS without a lab. Plain
/// L2TP, one lock, one receive loop; enough to bring sessions up and tear them down.
/// </summary>
internal sealed class LoopbackLns : IPppAuthority, IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly L2tpServer _l2tp = new(new L2tpServerOptions { HostName = "self-check" }, SystemRandomSource.Instance);
    private readonly Dictionary<(ushort, ushort), (PppSession Ppp, ushort PeerTunnel, ushort PeerSession, L2tpPeer Peer)> _sessions = [];
    private readonly HashSet<uint> _addressesInUse = [];
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop, _ticker;
    private readonly string _user, _password;

    public LoopbackLns(string user, string password)
    {
        _user = user;
        _password = password;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _loop = Task.Run(ReceiveLoop);
        _ticker = Task.Run(TickLoop);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;
    public int SessionCount { get { lock (_gate) return _sessions.Count; } }
    public int TunnelCount { get { lock (_gate) return _l2tp.TunnelCount; } }
    public int AddressesInUse { get { lock (_gate) return _addressesInUse.Count; } }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[4096];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try { r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { continue; }
            var from = (IPEndPoint)r.RemoteEndPoint;
            lock (_gate) Handle(_l2tp.Receive(buffer.AsSpan(0, r.ReceivedBytes), new L2tpPeer(from, EndPoint, 0), DateTimeOffset.UtcNow));
        }
    }

    private async Task TickLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            try { await Task.Delay(200, _stop.Token); } catch (OperationCanceledException) { return; }
            var now = DateTimeOffset.UtcNow;
            lock (_gate)
            {
                Handle(_l2tp.Tick(now));
                foreach (var (key, s) in _sessions.ToList())
                    if (s.Ppp.NextTimer is { } t && t <= now) Run(key, s.Ppp.Tick(now));
            }
        }
    }

    private void Handle(List<L2tpAction> actions)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var action in actions)
        {
            switch (action)
            {
                case L2tpSend send: Send(send.Data, send.To.Remote); break;
                case L2tpSessionUp up:
                    var ppp = new PppSession(new PppSessionOptions { LocalAddress = IPAddress.Parse("10.250.0.1") }, this, SystemRandomSource.Instance);
                    _sessions[(up.TunnelId, up.SessionId)] = (ppp, up.PeerTunnelId, up.PeerSessionId, up.Peer);
                    Run((up.TunnelId, up.SessionId), ppp.Start(now));
                    break;
                case L2tpPppFrame frame:
                    if (_sessions.TryGetValue((frame.TunnelId, frame.SessionId), out var s)) Run((frame.TunnelId, frame.SessionId), s.Ppp.Receive(frame.Frame.Span, now));
                    break;
                case L2tpSessionDown down:
                    if (_sessions.TryGetValue((down.TunnelId, down.SessionId), out var d)) Run((down.TunnelId, down.SessionId), d.Ppp.LowerLayerDown(down.Reason, now));
                    break;
            }
        }
    }

    private void Run((ushort Tunnel, ushort Session) key, List<PppAction> actions)
    {
        if (!_sessions.TryGetValue(key, out var s)) return;
        var now = DateTimeOffset.UtcNow;
        foreach (var action in actions)
        {
            switch (action)
            {
                case PppSendFrame f: Send(L2tpDataCodec.EncodeData(s.PeerTunnel, s.PeerSession, f.Frame), s.Peer.Remote); break;
                case PppLinkDown:
                    _sessions.Remove(key);
                    Handle(_l2tp.CloseSession(key.Tunnel, key.Session, "PPP down", now));
                    if (!_sessions.Keys.Any(k => k.Item1 == key.Tunnel)) Handle(_l2tp.CloseTunnel(key.Tunnel, "no calls left", now));
                    break;
            }
        }
    }

    private void Send(byte[] data, IPEndPoint to)
    {
        try { _socket.SendTo(data, to); } catch (SocketException) { }
    }

    public PppUserSecret? FindUser(string userName) =>
        userName == _user ? new PppUserSecret(MsChapV2.NtPasswordHash(_password), Encoding.UTF8.GetBytes(_password), true) : null;

    public IPAddress? AllocateAddress(string userName)
    {
        for (uint host = 10; host < 250; host++)
        {
            uint a = 0x0afa0000 | host;
            if (_addressesInUse.Add(a)) return new IPAddress([(byte)(a >> 24), (byte)(a >> 16), (byte)(a >> 8), (byte)a]);
        }
        return null;
    }

    public void ReleaseAddress(IPAddress address)
    {
        var b = address.GetAddressBytes();
        _addressesInUse.Remove((uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]));
    }

    public void Dispose()
    {
        _stop.Cancel();
        try { Task.WaitAll([_loop, _ticker], TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        _socket.Dispose();
    }
}
