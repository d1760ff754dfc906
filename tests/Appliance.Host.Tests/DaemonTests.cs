using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Host.Tests;

public class DaemonTests
{
    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Collects a process's standard output lines as they arrive.</summary>
    private sealed class Output
    {
        private readonly StringBuilder _text = new();
        public Output(Process p)
        {
            p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_text) _text.AppendLine(e.Data); };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_text) _text.AppendLine(e.Data); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
        }
        public string Text { get { lock (_text) return _text.ToString(); } }
        public bool WaitFor(string fragment, int ms = 10_000)
        {
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < ms) { if (Text.Contains(fragment)) return true; Thread.Sleep(20); }
            return false;
        }
    }

    [Fact]
    public async Task Daemon_serves_status_and_web_then_stops_cleanly_on_sigterm()
    {
        using var dir = new TempDir();
        int port = FreePort();
        Assert.Equal(0, ApplianceBinary.Run("config", "set", "web.listen", $"loopback:{port}", "--data", dir.Path).ExitCode);
        string psk = ApplianceBinary.Run("config", "get", "vpn.psk", "--data", dir.Path).Stdout.Trim();
        using var daemon = ApplianceBinary.Start(["run", "--data", dir.Path]);
        var output = new Output(daemon);
        Assert.True(output.WaitFor("msg=ready"), output.Text);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Contains("\"ok\":true", await http.GetStringAsync("/api/health"));
        Assert.Contains("\"needsSetup\":true", await http.GetStringAsync("/api/setup"));

        var status = ApplianceBinary.Run("status", "--data", dir.Path);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("datapath      userspace", status.Stdout);
        var json = ApplianceBinary.Run("status", "--json", "--data", dir.Path);
        Assert.Contains("\"cryptoDrivers\":[", json.Stdout);

        // A change made by a management command is announced to the daemon.
        Assert.Equal(0, ApplianceBinary.Run("config", "set", "vpn.security", "modern", "--data", dir.Path).ExitCode);
        Assert.True(output.WaitFor("msg=\"configuration reloaded\""), output.Text);

        // A second daemon on the same data directory is refused.
        var second = ApplianceBinary.Run("run", "--data", dir.Path);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("already running", second.Stdout);

        Syscall.Kill(daemon.Id, 15);
        Assert.True(daemon.WaitForExit(10_000));
        Assert.Equal(0, daemon.ExitCode);
        Assert.Contains("msg=stopped", output.Text);
        Assert.False(File.Exists(dir.File("control.sock")));
        Assert.Equal(3, ApplianceBinary.Run("status", "--data", dir.Path).ExitCode);
        Assert.DoesNotContain(psk, output.Text);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync("/api/health"));
    }

    [Fact]
    public void Daemon_refuses_an_unusable_data_directory_naming_it()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("plain-file"), "");
        var r = ApplianceBinary.Run("run", "--data", dir.File("plain-file"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("refusing to start", r.Stdout);
        Assert.Contains("plain-file", r.Stdout);
    }

    [Fact]
    public void Daemon_refuses_a_damaged_store_naming_the_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("appliance.db"), new string('x', 30_000));
        var r = ApplianceBinary.Run("run", "--data", dir.Path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("appliance.db", r.Stdout);
    }

    [Fact]
    public void Daemon_refuses_when_the_web_port_is_taken()
    {
        using var dir = new TempDir();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        int port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        ApplianceBinary.Run("config", "set", "web.listen", $"loopback:{port}", "--data", dir.Path);
        var r = ApplianceBinary.Run("run", "--data", dir.Path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("web admin cannot listen", r.Stdout);
    }
}

internal static partial class Syscall
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    public static partial int Kill(int pid, int signal);
}
