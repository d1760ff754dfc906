using System.Diagnostics;
using System.Globalization;
using System.Net;
using Appliance.Bench.L2tp;

// An L2TP + PPP load driver: many LACs, each with its own UDP socket and one call, against one LNS
// (plain L2TP: our daemon with vpn.plain_l2tp_lan = on, or xl2tpd + pppd). See README.md beside it.
//
//   Appliance.Bench.L2tp --self-check             offline: RFC 2759 vectors, the driver against the firmware's LNS on 127.0.0.1
//   Appliance.Bench.L2tp --server IP[:PORT] --user U --password P MODE [options]
//     --rate                 bring up --sessions N with --concurrency C in flight; sessions/s, latency; then tear all down
//     --hold                 bring up N, keep them alive (LCP echoes, HELLOs) until --stop-file exists or --hold-seconds pass
//     --soak CYCLES          CYCLES connect + disconnect cycles, C at a time; every --lcp-every'th ends with LCP Terminate
//     --local IP             source address (default any)
//     --timeout S            per session bring-up limit (default 30)
//     --ready-file FILE      (hold) written once all sessions are up
//     --label NAME           names the server in the output
// Output: readable lines, then one "RESULT key=value ..." line.
if (args is ["--self-check"]) return await SelfCheck.RunAsync();
Options o;
try { o = Options.Parse(args); }
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
return o.Mode switch
{
    "rate" => await RateAsync(o, hold: false),
    "hold" => await RateAsync(o, hold: true),
    _ => await SoakAsync(o),
};

static async Task<int> RateAsync(Options o, bool hold)
{
    var random = Random.Shared;
    var sessions = new LacSession?[o.Sessions];
    var latencies = new List<double>();
    var failures = new Dictionary<string, int>();
    using var gate = new SemaphoreSlim(o.Concurrency);
    // A session that is up keeps being served (LCP echoes, HELLOs acknowledged) while the others
    // come up: a server that probes it meanwhile must not find it dead.
    using var keep = new CancellationTokenSource();
    var kept = new List<Task<bool>>();
    var clock = Stopwatch.StartNew();
    var tasks = Enumerable.Range(0, o.Sessions).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            var s = new LacSession(o.Server, o.Local, o.User, o.Password, random);
            var started = clock.Elapsed;
            bool up = await s.ConnectAsync(TimeSpan.FromSeconds(o.TimeoutSeconds), CancellationToken.None);
            lock (latencies)
            {
                if (up) latencies.Add((clock.Elapsed - started).TotalMilliseconds);
                else failures[Short(s.Failure)] = failures.GetValueOrDefault(Short(s.Failure)) + 1;
            }
            sessions[i] = s;
            if (up) lock (kept) kept.Add(s.HoldAsync(keep.Token));
        }
        finally { gate.Release(); }
    }).ToList();
    await Task.WhenAll(tasks);
    double seconds = clock.Elapsed.TotalSeconds;
    var upSessions = sessions.Where(s => s is not null && s.IsUp).Select(s => s!).ToList();
    latencies.Sort();
    double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
    int retransmits = sessions.Sum(s => s?.Retransmits ?? 0);
    string auth = upSessions.FirstOrDefault()?.AuthName ?? "-";
    int distinct = upSessions.Select(s => s.Address?.ToString()).Where(a => a is not null).Distinct().Count();
    Console.WriteLine($"{o.Label}: {upSessions.Count}/{o.Sessions} sessions up in {seconds:F2} s with {o.Concurrency} in flight: "
        + $"{upSessions.Count / seconds:F1} sessions/s, latency p50 {P(0.5):F0} ms p90 {P(0.9):F0} ms p99 {P(0.99):F0} ms, "
        + $"{retransmits} control retransmits, auth {auth}, {distinct} distinct addresses");
    foreach (var (reason, count) in failures) Console.WriteLine($"  failure: {reason}: {count}");

    bool heldUp = true;
    int echoes = 0;
    if (hold)
    {
        if (o.ReadyFile is not null) await File.WriteAllTextAsync(o.ReadyFile, $"{upSessions.Count}\n");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(o.HoldSeconds));
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (o.StopFile is not null && File.Exists(o.StopFile)) { await stop.CancelAsync(); return; }
                try { await Task.Delay(200, stop.Token); } catch (OperationCanceledException) { return; }
            }
        });
        await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        await keep.CancelAsync();
        var held = await Task.WhenAll(kept);
        await watcher;
        heldUp = held.All(h => h);
        echoes = upSessions.Sum(s => s.EchoesAnswered);
        Console.WriteLine($"  held: {held.Count(h => h)}/{upSessions.Count} still up at the end, {echoes} LCP echoes answered");
    }

    await keep.CancelAsync();
    await Task.WhenAll(kept);
    // Tear down, C at a time.
    var teardown = Stopwatch.StartNew();
    int clean = 0;
    await Task.WhenAll(sessions.Where(s => s is not null).Select(async s =>
    {
        await gate.WaitAsync();
        try { if (await s!.DisconnectAsync(Teardown.Cdn, TimeSpan.FromSeconds(10))) Interlocked.Increment(ref clean); }
        finally { gate.Release(); s!.Dispose(); }
    }));
    Console.WriteLine($"  torn down: {clean}/{sessions.Count(s => s is not null)} acknowledged in {teardown.Elapsed.TotalSeconds:F2} s");
    Console.WriteLine(Result(("label", o.Label), ("mode", hold ? "hold" : "rate"), ("sessions", o.Sessions), ("concurrency", o.Concurrency),
        ("up", upSessions.Count), ("failed", o.Sessions - upSessions.Count), ("seconds", seconds), ("rate", upSessions.Count / seconds),
        ("p50_ms", P(0.5)), ("p90_ms", P(0.9)), ("p99_ms", P(0.99)), ("retransmits", retransmits), ("auth", auth), ("addresses", distinct),
        ("held_up", heldUp), ("echoes", echoes), ("teardown_clean", clean)));
    return upSessions.Count == o.Sessions && heldUp ? 0 : 1;
}

static async Task<int> SoakAsync(Options o)
{
    var random = Random.Shared;
    int next = -1, up = 0, clean = 0, lcp = 0;
    var failures = new Dictionary<string, int>();
    var unclean = new List<string>();
    var addresses = new HashSet<string>();
    var clock = Stopwatch.StartNew();
    var progress = Stopwatch.StartNew();
    async Task Worker()
    {
        while (true)
        {
            int i = Interlocked.Increment(ref next);
            if (i >= o.Cycles) return;
            using var s = new LacSession(o.Server, o.Local, o.User, o.Password, random);
            bool ok = await s.ConnectAsync(TimeSpan.FromSeconds(o.TimeoutSeconds), CancellationToken.None);
            var how = o.LcpEvery > 0 && i % o.LcpEvery == 0 ? Teardown.LcpTerminate : Teardown.Cdn;
            bool gone = await s.DisconnectAsync(how, TimeSpan.FromSeconds(10));
            lock (failures)
            {
                if (ok) { up++; if (s.Address is { } a) addresses.Add(a.ToString()); }
                else failures[Short(s.Failure)] = failures.GetValueOrDefault(Short(s.Failure)) + 1;
                if (gone) clean++;
                else if (unclean.Count < 20) unclean.Add($"cycle {i}: {s.TeardownProblem}");
                if (how == Teardown.LcpTerminate) lcp++;
                if (progress.Elapsed > TimeSpan.FromSeconds(30))
                {
                    Console.WriteLine($"  ... {i + 1}/{o.Cycles} cycles, {up} up, {clean} clean teardowns, {clock.Elapsed.TotalSeconds:F0} s");
                    progress.Restart();
                }
            }
        }
    }
    await Task.WhenAll(Enumerable.Range(0, o.Concurrency).Select(_ => Task.Run(Worker)));
    double seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"{o.Label}: soak {o.Cycles} cycles in {seconds:F1} s ({o.Cycles / seconds:F1}/s), {up} up, {clean} clean teardowns "
        + $"({lcp} by LCP Terminate, the rest CDN + StopCCN), {addresses.Count} distinct addresses");
    foreach (var (reason, count) in failures) Console.WriteLine($"  failure: {reason}: {count}");
    foreach (var problem in unclean) Console.WriteLine($"  unclean teardown: {problem}");
    Console.WriteLine(Result(("label", o.Label), ("mode", "soak"), ("cycles", o.Cycles), ("concurrency", o.Concurrency), ("up", up),
        ("failed", o.Cycles - up), ("clean", clean), ("lcp_terminate", lcp), ("addresses", addresses.Count), ("seconds", seconds)));
    return up == o.Cycles && clean == o.Cycles ? 0 : 1;
}

static string Short(string? failure) => failure is null ? "unknown" : failure.Length > 120 ? failure[..120] : failure;

static string Result(params (string Key, object? Value)[] fields) =>
    "RESULT " + string.Join(' ', fields.Select(f => f.Key + "=" + (f.Value switch
    {
        double d => double.IsNaN(d) ? "nan" : d.ToString("0.###", CultureInfo.InvariantCulture),
        bool b => b ? "1" : "0",
        null => "-",
        _ => Convert.ToString(f.Value, CultureInfo.InvariantCulture)!.Replace(' ', '_'),
    })));

internal sealed class Options
{
    public required IPEndPoint Server { get; init; }
    public IPAddress Local { get; init; } = IPAddress.Any;
    public required string User { get; init; }
    public required string Password { get; init; }
    public string Mode { get; init; } = "rate";
    public int Sessions { get; init; } = 100;
    public int Concurrency { get; init; } = 10;
    public int Cycles { get; init; }
    public int LcpEvery { get; init; } = 3;
    public double TimeoutSeconds { get; init; } = 30;
    public double HoldSeconds { get; init; } = 600;
    public string? ReadyFile { get; init; }
    public string? StopFile { get; init; }
    public string Label { get; init; } = "server";

    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string mode = "rate";
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "--rate" or "--hold") { mode = a[2..]; continue; }
            if (i + 1 >= args.Length || !a.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{a}'");
            if (a == "--soak") mode = "soak";
            values[a[2..]] = args[++i];
        }
        string Need(string k) => values.TryGetValue(k, out var v) ? v : throw new ArgumentException($"--{k} is required");
        int Int(string k, int d) => values.TryGetValue(k, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : d;
        double Dbl(string k, double d) => values.TryGetValue(k, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : d;
        string server = Need("server");
        var endpoint = IPEndPoint.TryParse(server, out var ep) && ep.Port != 0 ? ep : new IPEndPoint(IPAddress.Parse(server), 1701);
        var o = new Options
        {
            Server = endpoint,
            Local = values.TryGetValue("local", out var l) ? IPAddress.Parse(l) : IPAddress.Any,
            User = Need("user"),
            Password = Need("password"),
            Mode = mode,
            Sessions = Int("sessions", 100),
            Concurrency = Int("concurrency", 10),
            Cycles = Int("soak", 0),
            LcpEvery = Int("lcp-every", 3),
            TimeoutSeconds = Dbl("timeout", 30),
            HoldSeconds = Dbl("hold-seconds", 600),
            ReadyFile = values.GetValueOrDefault("ready-file"),
            StopFile = values.GetValueOrDefault("stop-file"),
            Label = values.GetValueOrDefault("label") ?? "server",
        };
        if (o.Sessions < 1 || o.Concurrency < 1 || (mode == "soak" && o.Cycles < 1)) throw new ArgumentException("counts must be positive");
        return o;
    }
}
