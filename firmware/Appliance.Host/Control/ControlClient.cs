using System.Net.Sockets;
using System.Text.Json;

namespace Appliance.Host.Control;

/// <summary>The management commands' end of the control socket.</summary>
internal static class ControlClient
{
    /// <summary>Sends one request; null when no daemon is listening for this data directory.</summary>
    public static ControlResponse? TrySend(string dataDir, ControlRequest request)
    {
        string path = ControlSocket.PathIn(dataDir);
        if (!File.Exists(path)) return null;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = new CancellationTokenSource(ControlSocket.Timeout);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
        {
            return null;
        }
        ControlLines.WriteLineAsync(socket, JsonSerializer.SerializeToUtf8Bytes(request, ControlJson.Default.ControlRequest), timeout.Token)
            .GetAwaiter().GetResult();
        string? line = ControlLines.ReadLineAsync(socket, timeout.Token).GetAwaiter().GetResult();
        if (line is null) throw new IOException("the daemon closed the control connection without an answer");
        return JsonSerializer.Deserialize(line, ControlJson.Default.ControlResponse)
            ?? throw new IOException("the daemon sent an empty answer");
    }
}
