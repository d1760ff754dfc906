using System.Net.Sockets;
using System.Text;

namespace Appliance.Host.Control;

/// <summary>Newline-delimited messages on a stream socket, bounded in size.</summary>
internal static class ControlLines
{
    /// <summary>Reads up to the first '\n'; null when the peer closed first or sent too much.</summary>
    public static async Task<string?> ReadLineAsync(Socket socket, CancellationToken cancel)
    {
        var buffer = new byte[ControlSocket.MaxMessageBytes];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancel);
            if (n == 0) return null;
            int newline = Array.IndexOf(buffer, (byte)'\n', filled, n);
            filled += n;
            if (newline >= 0) return Encoding.UTF8.GetString(buffer, 0, newline);
        }
        return null;
    }

    public static async Task WriteLineAsync(Socket socket, byte[] json, CancellationToken cancel)
    {
        var message = new byte[json.Length + 1];
        json.CopyTo(message, 0);
        message[^1] = (byte)'\n';
        await socket.SendAsync(message, SocketFlags.None, cancel);
    }
}
