using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Appliance.Services.Logging;

namespace Appliance.Host.Control;

/// <summary>
/// The daemon's end of the control socket: a Unix stream socket in the data directory, mode 0600
/// (root only), one request line in, one response line out per connection.
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string _path;
    private readonly Func<ControlRequest, ControlResponse> _handle;
    private readonly Log _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    private ControlServer(Socket listener, string path, Func<ControlRequest, ControlResponse> handle, Log log)
    {
        _listener = listener;
        _path = path;
        _handle = handle;
        _log = log;
        _acceptLoop = AcceptLoopAsync();
    }

    public static ControlServer Start(string path, Func<ControlRequest, ControlResponse> handle, Log log)
    {
        if (Encoding.UTF8.GetByteCount(path) > ControlSocket.MaxPathBytes)
            throw new IOException($"control socket path {path} is longer than {ControlSocket.MaxPathBytes} bytes; use a shorter data directory");
        // The caller holds the data directory's daemon lock, so a socket file left here is stale.
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        return new ControlServer(listener, path, handle, log);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e)
            {
                _log.Warn("control", "accept failed", ("error", e.SocketErrorCode));
                continue;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
        {
            timeout.CancelAfter(ControlSocket.Timeout);
            ControlResponse response;
            try
            {
                var line = await ControlLines.ReadLineAsync(client, timeout.Token);
                var request = line is null ? null : JsonSerializer.Deserialize(line, ControlJson.Default.ControlRequest);
                response = request is null ? new ControlResponse(false, "malformed request") : _handle(request);
            }
            catch (JsonException)
            {
                response = new ControlResponse(false, "malformed request");
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A handler failure answers this one client; it must not take the daemon down.
                _log.Error("control", "request failed", ("error", e.GetType().Name), ("detail", e.Message));
                response = new ControlResponse(false, "internal error: " + e.Message);
            }
            try
            {
                await ControlLines.WriteLineAsync(client, JsonSerializer.SerializeToUtf8Bytes(response, ControlJson.Default.ControlResponse), timeout.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _acceptLoop;
        try { File.Delete(_path); } catch (IOException) { }
        _stop.Dispose();
    }
}
