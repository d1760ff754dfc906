using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

// Usage: Appliance.Bench.Startup BINARY [RUNS]
// For each run: exec 'BINARY run' on an initialized data directory and poll GET /api/health on
// loopback every millisecond until it answers 200; report median and 90th percentile of that
// time. Then leave one daemon idle for 5 s and read its resident memory (VmRSS, VmHWM).
string binary = args.Length > 0 ? args[0] : throw new ArgumentException("usage: BINARY [RUNS]");
int runs = args.Length > 1 ? int.Parse(args[1]) : 20;

string data = Directory.CreateTempSubdirectory("appliance-bench-").FullName;
int port;
using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; }
Run(binary, "config", "set", "web.listen", $"loopback:{port}", "--data", data);

using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
var url = new Uri($"http://127.0.0.1:{port}/api/health");
var times = new List<double>();
for (int i = 0; i < runs; i++)
{
    var clock = Stopwatch.StartNew();
    using var daemon = Start(binary, "run", "--data", data);
    while (true)
    {
        try
        {
            using var response = await http.GetAsync(url);
            if (response.IsSuccessStatusCode) break;
        }
        catch (HttpRequestException) { }
        if (clock.Elapsed > TimeSpan.FromSeconds(10) || daemon.HasExited) throw new Exception("daemon did not answer");
        Thread.Sleep(1);
    }
    times.Add(clock.Elapsed.TotalMilliseconds);
    if (i < runs - 1) Stop(daemon);
    else
    {
        Thread.Sleep(5000);
        var status = File.ReadAllLines($"/proc/{daemon.Id}/status");
        string Field(string name) => status.First(l => l.StartsWith(name + ":")).Split(':')[1].Trim();
        times.Sort();
        Console.WriteLine($"start to web admin answering: median {times[times.Count / 2]:F1} ms, p90 {times[(int)(times.Count * 0.9)]:F1} ms, min {times[0]:F1} ms ({runs} runs)");
        Console.WriteLine($"idle daemon after 5 s: VmRSS {Field("VmRSS")}, peak VmHWM {Field("VmHWM")}");
        Stop(daemon);
    }
}
Console.WriteLine($"binary size: {new FileInfo(binary).Length / 1e6:F1} MB ({binary})");
Directory.Delete(data, true);

static Process Start(string binary, params string[] args)
{
    var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in args) info.ArgumentList.Add(a);
    var p = Process.Start(info)!;
    p.OutputDataReceived += (_, _) => { };
    p.ErrorDataReceived += (_, _) => { };
    p.BeginOutputReadLine();
    p.BeginErrorReadLine();
    return p;
}

static void Run(string binary, params string[] args)
{
    using var p = Start(binary, args);
    p.WaitForExit();
    if (p.ExitCode != 0) throw new Exception($"{string.Join(' ', args)} failed");
}

static void Stop(Process p)
{
    p.Kill(entireProcessTree: false); // SIGKILL: the next run must not wait for a graceful stop
    p.WaitForExit();
}
