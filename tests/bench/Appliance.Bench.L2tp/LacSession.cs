using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Appliance.Protocols.L2tp;

namespace Appliance.Bench.L2tp;

/// <summary>How a session is ended: CDN + StopCCN from us, or LCP Terminate-Request first (the
/// server then clears the call; whatever of the tunnel is left we stop).</summary>
internal enum Teardown { Cdn, LcpTerminate }

/// <summary>
/// One LAC with one call: its own UDP socket (so its own source port: the server sees one tunnel
/// per session), SCCRQ/SCCRP/SCCCN, ICRQ/ICRP/ICCN, then PPP over L2TP data messages until IPCP
/// is open both ways. The control channel and the PPP client are driven by one receive loop.
/// </summary>
internal sealed class LacSession : IDisposable
{
    private readonly Socket _socket;
    private readonly ControlChannel _control = new();
    private readonly PppClient _ppp;
    private readonly byte[] _buffer = new byte[4096];
    private readonly ushort _tunnelId, _sessionId;
    private Task<int>? _receive;
    private ushort _peerTunnelId, _peerSessionId;
    private bool _tunnelClosed, _callClosed, _pppStarted, _disconnecting;
    private bool _serverSentCdn, _serverSentStop;

    public LacSession(IPEndPoint server, IPAddress local, string user, string password, Random random)
    {
        _ppp = new PppClient(user, password, random);
        _tunnelId = (ushort)random.Next(1, 65536);
        _sessionId = (ushort)random.Next(1, 65536);
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(local, 0));
        _socket.Connect(server);
    }

    public string? Failure { get; private set; }

    /// <summary>Why the last <see cref="DisconnectAsync"/> was not clean: what we sent, what the
    /// server did, what stayed unacknowledged (for the soak's log).</summary>
    public string? TeardownProblem { get; private set; }
    public IPAddress? Address => _ppp.Address;
    public string AuthName => _ppp.AuthName;
    public int Retransmits => _control.Retransmits;
    public int EchoesAnswered => _ppp.EchoesAnswered;
    public bool IsUp => _ppp.Phase == PppClient.Stage.Up && !_tunnelClosed && !_callClosed;
    public bool ServerEnded => _tunnelClosed || _callClosed || _ppp.Phase == PppClient.Stage.Down;

    /// <summary>Tunnel, call and PPP up to IPCP opened both ways, within <paramref name="limit"/>.</summary>
    public async Task<bool> ConnectAsync(TimeSpan limit, CancellationToken cancel)
    {
        var now = DateTimeOffset.UtcNow;
        var sccrq = new L2tpMessageWriter(L2tpMessageType.StartControlConnectionRequest)
            .Add(L2tpAvpType.ProtocolVersion, [1, 0], mandatory: true)
            .AddString(L2tpAvpType.HostName, "bench-lac", mandatory: true)
            .AddUInt32(L2tpAvpType.FramingCapabilities, 3, mandatory: true)
            .AddUInt32(L2tpAvpType.BearerCapabilities, 0, mandatory: false)
            .AddUInt16(L2tpAvpType.AssignedTunnelId, _tunnelId, mandatory: true)
            .AddUInt16(L2tpAvpType.ReceiveWindowSize, 8, mandatory: false)
            .AddString(L2tpAvpType.VendorName, "appliance-bench", mandatory: false)
            .ToMessage(0, 0);
        Send(_control.Send(sccrq, now));
        bool up = await PumpAsync(() => IsUp || Failure is not null, limit, cancel);
        if (!up && Failure is null) Failure = _ppp.Failure ?? $"not up within {limit.TotalSeconds:F0} s (stage {Stage})";
        return up && Failure is null;
    }

    /// <summary>Keeps the session alive (LCP echoes answered, HELLOs acknowledged) until cancelled
    /// or the server ends it; true while it stayed up.</summary>
    public async Task<bool> HoldAsync(CancellationToken cancel)
    {
        await PumpAsync(() => cancel.IsCancellationRequested || ServerEnded || Failure is not null, Timeout.InfiniteTimeSpan, cancel);
        return !ServerEnded && Failure is null;
    }

    /// <summary>Ends the session cleanly; true when the server acknowledged the end in time.</summary>
    public async Task<bool> DisconnectAsync(Teardown how, TimeSpan limit)
    {
        _disconnecting = true;
        var now = DateTimeOffset.UtcNow;
        if (how == Teardown.LcpTerminate && _ppp.Phase == PppClient.Stage.Up && !_callClosed)
        {
            foreach (var f in _ppp.Terminate(now)) SendData(f);
            // The server acknowledges, waits one restart time (RFC 1661: 3 s) and clears the call (CDN).
            await PumpAsync(() => _callClosed || _tunnelClosed, TimeSpan.FromSeconds(Math.Min(5, limit.TotalSeconds)), CancellationToken.None);
        }
        now = DateTimeOffset.UtcNow;
        if (!_callClosed && !_tunnelClosed && _peerSessionId != 0)
        {
            Send(_control.Send(new L2tpMessageWriter(L2tpMessageType.CallDisconnectNotify)
                .AddResultCode(3, 0, "bench disconnect").AddUInt16(L2tpAvpType.AssignedSessionId, _sessionId, mandatory: true)
                .ToMessage(_peerTunnelId, _peerSessionId), now));
            _callClosed = true;
        }
        if (!_tunnelClosed && _peerTunnelId != 0)
        {
            Send(_control.Send(new L2tpMessageWriter(L2tpMessageType.StopControlConnection)
                .AddUInt16(L2tpAvpType.AssignedTunnelId, _tunnelId, mandatory: true).AddResultCode(1, 0, "bench disconnect")
                .ToMessage(_peerTunnelId, 0), now));
            _tunnelClosed = true;
        }
        // Until the server has acknowledged our CDN/StopCCN (its ZLB), or has sent its own.
        bool clean = await PumpAsync(() => _control.AllAcknowledged, limit, CancellationToken.None) && !_control.GaveUp;
        if (!clean)
        {
            TeardownProblem = $"{how} at {DateTimeOffset.UtcNow:HH:mm:ss.fff}: local port {((IPEndPoint)_socket.LocalEndPoint!).Port}, "
                + $"tunnel {_tunnelId}/peer {_peerTunnelId}, session {_sessionId}/peer {_peerSessionId}, PPP {_ppp.Phase}, "
                + $"server sent CDN {_serverSentCdn}, StopCCN {_serverSentStop}, unacknowledged {_control.Describe()}, "
                + $"retransmits {_control.Retransmits}, gave up {_control.GaveUp}";
        }
        return clean;
    }

    private string Stage => _peerTunnelId == 0 ? "SCCRQ" : _peerSessionId == 0 ? "ICRQ" : $"PPP {_ppp.Phase}";

    private async Task<bool> PumpAsync(Func<bool> done, TimeSpan limit, CancellationToken cancel)
    {
        var deadline = limit == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : DateTimeOffset.UtcNow + limit;
        while (!done())
        {
            var now = DateTimeOffset.UtcNow;
            if (now >= deadline || cancel.IsCancellationRequested) return false;
            foreach (var m in _control.Due(now)) Send(m);
            if (_control.GaveUp) { Failure ??= $"control message unacknowledged after {ControlChannel.MaxTries} sends (stage {Stage})"; return false; }
            foreach (var f in _ppp.Tick(now)) SendData(f);
            if (_ppp.Failure is not null) { Failure ??= _ppp.Failure; return done(); }

            var wake = deadline;
            if (_control.NextTimer is { } c && c < wake) wake = c;
            if (_ppp.NextTimer is { } p && p < wake) wake = p;
            var wait = wake - now;
            if (wait < TimeSpan.FromMilliseconds(10)) wait = TimeSpan.FromMilliseconds(10);
            if (wait > TimeSpan.FromSeconds(5)) wait = TimeSpan.FromSeconds(5);

            _receive ??= _socket.ReceiveAsync(_buffer.AsMemory(), SocketFlags.None).AsTask();
            var finished = await Task.WhenAny(_receive, Task.Delay(wait, cancel)).ConfigureAwait(false);
            if (finished != _receive) continue;
            int n;
            try { n = await _receive.ConfigureAwait(false); }
            catch (SocketException) { n = -1; } // ICMP port unreachable: nobody on 1701 (yet)
            _receive = null;
            if (n > 0) Handle(_buffer.AsSpan(0, n), DateTimeOffset.UtcNow);
        }
        return true;
    }

    private void Handle(ReadOnlySpan<byte> datagram, DateTimeOffset now)
    {
        if (L2tpHeader.TryDecode(datagram, out var header) != L2tpHeaderError.None || header.TunnelId != _tunnelId) return;
        if (!header.IsControl)
        {
            if (header.SessionId != _sessionId || header.PayloadOffset >= header.MessageLength) return;
            foreach (var f in _ppp.Receive(datagram[header.PayloadOffset..header.MessageLength], now)) SendData(f);
            return;
        }
        var arrival = _control.Receive(header);
        if (header.IsZeroLengthBody) return;
        if (arrival != ControlChannel.Arrival.New)
        {
            if (_peerTunnelId != 0) Send(_control.Zlb(_peerTunnelId));
            return;
        }
        L2tpControlMessage.TryParse(datagram[..header.MessageLength].ToArray(), null, out _, out var message);
        bool answered = false;
        switch ((L2tpMessageType?)message?.MessageType)
        {
            case L2tpMessageType.StartControlConnectionReply when _peerTunnelId == 0:
                _peerTunnelId = message!.UInt16(L2tpAvpType.AssignedTunnelId) ?? 0;
                if (_peerTunnelId == 0) { Failure ??= "SCCRP without Assigned Tunnel ID"; return; }
                if (message.UInt16(L2tpAvpType.ReceiveWindowSize) is { } w and > 0) _control.PeerWindow = w;
                Send(_control.Send(new L2tpMessageWriter(L2tpMessageType.StartControlConnectionConnected).ToMessage(_peerTunnelId, 0), now));
                Send(_control.Send(new L2tpMessageWriter(L2tpMessageType.IncomingCallRequest)
                    .AddUInt16(L2tpAvpType.AssignedSessionId, _sessionId, mandatory: true)
                    .AddUInt32(L2tpAvpType.CallSerialNumber, (uint)Environment.TickCount, mandatory: true)
                    .AddUInt32(L2tpAvpType.BearerType, 0, mandatory: false)
                    .ToMessage(_peerTunnelId, 0), now));
                answered = true;
                break;
            case L2tpMessageType.IncomingCallReply when _peerSessionId == 0:
                _peerSessionId = message!.UInt16(L2tpAvpType.AssignedSessionId) ?? 0;
                if (_peerSessionId == 0) { Failure ??= "ICRP without Assigned Session ID"; return; }
                Send(_control.Send(new L2tpMessageWriter(L2tpMessageType.IncomingCallConnected)
                    .AddUInt32(L2tpAvpType.TxConnectSpeed, 100_000_000, mandatory: true)
                    .AddUInt32(L2tpAvpType.FramingType, 1, mandatory: true)
                    .ToMessage(_peerTunnelId, _peerSessionId), now));
                answered = true;
                if (!_pppStarted)
                {
                    _pppStarted = true;
                    foreach (var f in _ppp.Start(now)) SendData(f);
                }
                break;
            case L2tpMessageType.CallDisconnectNotify:
                _serverSentCdn = true;
                _callClosed = true;
                if (!IsTearingDown) Failure ??= "server cleared the call: " + Describe(message!);
                break;
            case L2tpMessageType.StopControlConnection:
                _serverSentStop = true;
                _tunnelClosed = true;
                _callClosed = true;
                if (!IsTearingDown) Failure ??= "server stopped the tunnel: " + Describe(message!);
                break;
        }
        if (!answered) Send(_control.Zlb(_peerTunnelId));
    }

    private bool IsTearingDown => _disconnecting;

    private static string Describe(L2tpControlMessage m) =>
        m.ResultCode() is { } r ? $"result {r.Result}/{r.Error} {r.Message}" : "no result code";

    private void SendData(byte[] frame)
    {
        if (_peerSessionId == 0) return;
        Send(L2tpDataCodec.EncodeData(_peerTunnelId, _peerSessionId, frame));
    }

    private void Send(byte[] datagram)
    {
        try { _socket.Send(datagram); }
        catch (SocketException) { /* ICMP errors of earlier sends surface here; retransmission covers it */ }
    }

    public void Dispose() => _socket.Dispose();
}
