using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Appliance.Bench.Ike;
using Appliance.Protocols.Crypto;

// An IKEv1 load driver: Main Mode (PSK) + Quick Mode handshakes per second against one responder,
// and the responder's memory per established IKE SA. build/bench.sh ike runs it (in a network
// namespace, pinned to one CPU) against our daemon and against charon; see README.md beside it.
//
//   Appliance.Bench.Ike --self-check      the driver against the firmware's responder in memory
//   Appliance.Bench.Ike --responder IP --sources FIRST_IP/COUNT --psk PSK [options]
//     --mode rate|memory       rate: exchanges/s over --duration after --warmup (default rate)
//                              memory: RSS idle, then --count SAs established and kept
//     --group 14|19            MODP-2048 or ECP-256 (default 14); phase 1 is AES-128-CBC/SHA2-256
//     --inflight N             exchanges kept in flight (default 64)
//     --warmup S --duration S  seconds (default 5 and 20)
//     --count N                SAs to hold for the memory measurement (default 2000)
//     --responder-pid PID      read the responder's CPU time and RSS from /proc
//     --label NAME             names the responder in the output
//     --fresh-dh               a new driver key pair per exchange (default: reuse, see KeyPairPool)
//     --keep                   rate mode without the Delete after each exchange
//     --delete-delay S         how long after QM3 the Delete follows (default 1)
//     --timeout S --tries N    retransmission (default 2 s doubling, 5 sends)
// Output: readable lines, then one "RESULT key=value ..." line per measurement.
if (args is ["--self-check"]) return SelfCheck.Run();
var options = Options.Parse(args);
using var keyPairs = new KeyPairPool(options.Group, options.FreshDh);
var profile = new ExchangeProfile(Encoding.UTF8.GetBytes(options.Psk), (ushort)options.Group, options.Responder, keyPairs);
var timing = new DriverTiming(TimeSpan.FromSeconds(options.TimeoutSeconds), options.Tries, TimeSpan.FromSeconds(options.DeleteDelaySeconds));
string groupName = options.Group == 14 ? "MODP-2048" : options.Group == 19 ? "ECP-256" : $"group {options.Group}";
Console.WriteLine($"{options.Label}: {options.Mode}, AES-128-CBC/SHA2-256/{groupName} + ESP AES-128-CBC/HMAC-SHA1 transport udp/1701, "
    + $"{options.InFlight} in flight from {options.Sources.Count} addresses, driver DH {(options.FreshDh ? "fresh per exchange" : "key pairs reused")} "
    + $"(libcrypto MODP: {LibcryptoModpDiffieHellman.IsAvailable})");

return options.Mode == "memory" ? await MemoryAsync() : await RateAsync();

async Task<int> RateAsync()
{
    var driver = new LoadDriver(profile, options.Sources, timing) { DeleteWhenDone = !options.Keep };
    using var stop = new CancellationTokenSource();
    Task run = driver.RunAsync(options.InFlight, null, stop.Token);
    await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds));
    var before = Snapshot.Take(driver, options.ResponderPid);
    await Task.Delay(TimeSpan.FromSeconds(options.DurationSeconds));
    var after = Snapshot.Take(driver, options.ResponderPid);
    await stop.CancelAsync();
    await run;

    double seconds = after.Seconds - before.Seconds;
    long completed = after.Completed - before.Completed;
    double rate = completed / seconds;
    var latencies = driver.LatenciesBetween(before.Ticks, after.Ticks);
    latencies.Sort();
    double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
    var cpu = Snapshot.Usage(before, after);
    // Handshakes per CPU-second the responder spent: what the rate would be on a core of its own,
    // and the figure least disturbed by other jobs on a shared machine.
    double perCpuSecond = cpu.Responder is { } share && share > 0 ? rate / share : double.NaN;
    Console.WriteLine($"  {rate:F1} exchanges/s ({completed} in {seconds:F1} s after {options.WarmupSeconds:F0} s warm-up), "
        + $"failed {after.Failed - before.Failed}, retransmits {after.Retransmits - before.Retransmits}, latency p50 {P(0.5):F0} ms p99 {P(0.99):F0} ms");
    Console.WriteLine($"  {perCpuSecond:F1} exchanges per responder CPU-second ({1000 / perCpuSecond:F2} ms of responder CPU each), "
        + $"{(cpu.Driver > 0 ? 1000 * cpu.Driver / rate : double.NaN):F2} ms of driver CPU each");
    Console.WriteLine($"  CPU: driver {cpu.Driver:P0} of a core, responder {Format(cpu.Responder)} of a core; "
        + $"CPU busy {string.Join(", ", cpu.Busy.Select(b => $"cpu{b.Key} {b.Value:P0}"))}; load {before.Load} -> {after.Load}");
    foreach (var (reason, count) in driver.Failures) Console.WriteLine($"  failure: {reason}: {count}");
    Console.WriteLine(Result(("label", options.Label), ("mode", "rate"), ("group", options.Group), ("inflight", options.InFlight),
        ("seconds", seconds), ("completed", completed), ("rate", rate), ("per_cpu_second", perCpuSecond), ("failed", after.Failed - before.Failed),
        ("failed_total", driver.Failed), ("retransmits", after.Retransmits - before.Retransmits), ("p50_ms", P(0.5)), ("p99_ms", P(0.99)),
        ("driver_cpu", cpu.Driver), ("responder_cpu", cpu.Responder), ("cpu0_busy", cpu.Busy.GetValueOrDefault(0)),
        ("cpu1_busy", cpu.Busy.GetValueOrDefault(1)), ("load_end", after.Load.Split(' ')[0]), ("driver_dh", options.FreshDh ? "fresh" : "reused"),
        ("delete", !options.Keep)));
    return completed > 0 ? 0 : 1;
}

async Task<int> MemoryAsync()
{
    int pid = options.ResponderPid ?? throw new ArgumentException("--mode memory needs --responder-pid");
    long rssStart = ProcessSample.RssKib(pid) ?? 0;

    // Warm-up with Delete: code paths, crypto contexts and heaps the responder needs are in place,
    // and no SA is left, so "idle" is what the daemon holds between clients.
    var warm = new LoadDriver(profile, options.Sources, timing) { DeleteWhenDone = true };
    await warm.RunAsync(options.InFlight, options.WarmupCount, CancellationToken.None);
    await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds));
    long rssIdle = ProcessSample.RssKib(pid) ?? 0;

    var hold = new LoadDriver(profile, options.Sources, timing) { DeleteWhenDone = false };
    var clock = Stopwatch.StartNew();
    double cpuBefore = ProcessSample.CpuSeconds(pid) ?? double.NaN;
    await hold.RunAsync(options.InFlight, options.Count, CancellationToken.None);
    double elapsed = clock.Elapsed.TotalSeconds;
    double cpuUsed = (ProcessSample.CpuSeconds(pid) ?? double.NaN) - cpuBefore;
    await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds));
    long rssLoaded = ProcessSample.RssKib(pid) ?? 0;

    long held = hold.Completed;
    double perSa = held == 0 ? double.NaN : (rssLoaded - rssIdle) * 1024.0 / held;
    Console.WriteLine($"  warm-up: {warm.Completed} exchanges with Delete ({warm.Failed} failed)");
    Console.WriteLine($"  RSS: {rssStart} KiB at start, {rssIdle} KiB idle after warm-up, {rssLoaded} KiB with {held} SAs held "
        + $"-> {perSa:F0} bytes per IKE SA (+ its Quick Mode SA)");
    Console.WriteLine($"  establishing them took {elapsed:F1} s ({held / elapsed:F1}/s while SAs accumulate; responder CPU {cpuUsed / elapsed:P0}), "
        + $"failed {hold.Failed}, retransmits {hold.Retransmits}");
    foreach (var (reason, count) in hold.Failures) Console.WriteLine($"  failure: {reason}: {count}");
    Console.WriteLine(Result(("label", options.Label), ("mode", "memory"), ("group", options.Group), ("count", options.Count),
        ("held", held), ("failed", hold.Failed + warm.Failed), ("rss_start_kib", rssStart), ("rss_idle_kib", rssIdle), ("rss_loaded_kib", rssLoaded),
        ("bytes_per_sa", perSa), ("accumulate_rate", held / elapsed), ("responder_cpu", cpuUsed / elapsed)));
    return held > 0 ? 0 : 1;
}

static string Format(double? v) => v is { } x ? x.ToString("P0", CultureInfo.InvariantCulture) : "?";

static string Result(params (string Key, object? Value)[] fields) =>
    "RESULT " + string.Join(' ', fields.Select(f => f.Key + "=" + f.Value switch
    {
        double d => double.IsFinite(d) ? d.ToString("0.###", CultureInfo.InvariantCulture) : "nan",
        bool b => b ? "yes" : "no",
        null => "nan",
        var o => Convert.ToString(o, CultureInfo.InvariantCulture),
    }));

/// <summary>Counters and CPU times at one instant of a rate measurement.</summary>
internal sealed record Snapshot(long Ticks, double Seconds, long Completed, long Failed, long Retransmits, double DriverCpu,
    double? ResponderCpu, Dictionary<int, (long Busy, long Total)> Cpus, string Load)
{
    public static Snapshot Take(LoadDriver driver, int? responderPid)
    {
        long ticks = Stopwatch.GetTimestamp();
        using var self = Process.GetCurrentProcess();
        return new Snapshot(ticks, (double)ticks / Stopwatch.Frequency, driver.Completed, driver.Failed, driver.Retransmits,
            self.TotalProcessorTime.TotalSeconds, responderPid is { } pid ? ProcessSample.CpuSeconds(pid) : null,
            ProcessSample.CpuJiffies(), ProcessSample.LoadAverage());
    }

    /// <summary>Driver and responder CPU as a fraction of one core, and each CPU's busy fraction, between two snapshots.</summary>
    public static (double Driver, double? Responder, SortedDictionary<int, double> Busy) Usage(Snapshot a, Snapshot b)
    {
        double wall = b.Seconds - a.Seconds;
        var busy = new SortedDictionary<int, double>();
        foreach (var (cpu, end) in b.Cpus)
            if (a.Cpus.TryGetValue(cpu, out var start) && end.Total > start.Total)
                busy[cpu] = (double)(end.Busy - start.Busy) / (end.Total - start.Total);
        return ((b.DriverCpu - a.DriverCpu) / wall, b.ResponderCpu - a.ResponderCpu is { } r ? r / wall : null, busy);
    }
}

/// <summary>The command line.</summary>
internal sealed class Options
{
    public IPAddress Responder { get; private set; } = IPAddress.None;
    public List<IPAddress> Sources { get; } = [];
    public string Psk { get; private set; } = "";
    public string Label { get; private set; } = "responder";
    public string Mode { get; private set; } = "rate";
    public int Group { get; private set; } = 14;
    public int InFlight { get; private set; } = 64;
    public double WarmupSeconds { get; private set; } = 5;
    public double DurationSeconds { get; private set; } = 20;
    public int Count { get; private set; } = 2000;
    public int WarmupCount { get; private set; } = 300;
    public double SettleSeconds { get; private set; } = 3;
    public int? ResponderPid { get; private set; }
    public bool FreshDh { get; private set; }
    public bool Keep { get; private set; }
    public double TimeoutSeconds { get; private set; } = 2;
    public int Tries { get; private set; } = 5;
    public double DeleteDelaySeconds { get; private set; } = 1;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Number() => double.Parse(Value(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--responder": o.Responder = IPAddress.Parse(Value()); break;
                case "--sources": o.AddSources(Value()); break;
                case "--psk": o.Psk = Value(); break;
                case "--label": o.Label = Value(); break;
                case "--mode": o.Mode = Value() is "rate" or "memory" ? args[i] : throw new ArgumentException("--mode rate|memory"); break;
                case "--group": o.Group = (int)Number(); break;
                case "--inflight": o.InFlight = (int)Number(); break;
                case "--warmup": o.WarmupSeconds = Number(); break;
                case "--duration": o.DurationSeconds = Number(); break;
                case "--count": o.Count = (int)Number(); break;
                case "--warmup-count": o.WarmupCount = (int)Number(); break;
                case "--settle": o.SettleSeconds = Number(); break;
                case "--responder-pid": o.ResponderPid = (int)Number(); break;
                case "--fresh-dh": o.FreshDh = true; break;
                case "--keep": o.Keep = true; break;
                case "--timeout": o.TimeoutSeconds = Number(); break;
                case "--tries": o.Tries = (int)Number(); break;
                case "--delete-delay": o.DeleteDelaySeconds = Number(); break;
                default: throw new ArgumentException($"unknown argument {args[i]} (see the comment at the top of Program.cs)");
            }
        }
        if (o.Responder.Equals(IPAddress.None) || o.Sources.Count == 0 || o.Psk.Length == 0)
            throw new ArgumentException("--responder, --sources and --psk are required");
        if (!DiffieHellmanGroups.IsSupported(o.Group)) throw new ArgumentException($"group {o.Group} is not supported");
        return o;
    }

    /// <summary>FIRST/COUNT: COUNT consecutive IPv4 addresses from FIRST.</summary>
    private void AddSources(string spec)
    {
        string[] parts = spec.Split('/');
        byte[] first = IPAddress.Parse(parts[0]).GetAddressBytes();
        uint start = (uint)(first[0] << 24 | first[1] << 16 | first[2] << 8 | first[3]);
        int count = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 1;
        for (uint k = 0; k < count; k++)
        {
            uint a = start + k;
            Sources.Add(new IPAddress([(byte)(a >> 24), (byte)(a >> 16), (byte)(a >> 8), (byte)a]));
        }
    }
}
