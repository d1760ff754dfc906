using System.Diagnostics;
using System.Text.Json;

namespace Appliance.Host.Tests;

/// <summary>
/// kill -9 at random moments while 'config import' writes, many times: the store must always
/// open afterwards and hold exactly one whole configuration, never a mix of two.
/// </summary>
public class CrashConsistencyTests
{
    private const int MinRounds = 100, MaxRounds = 500, WantedKillsInWrite = 5;

    private static Dictionary<string, string> Read(string dataDir, string file)
    {
        var r = ApplianceBinary.Run("config", "export", file, "--data", dataDir);
        Assert.True(r.ExitCode == 0, "store did not open after kill -9: " + r.Stderr);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(file))!;
    }

    [Fact]
    public void Kill_minus_9_during_config_writes_leaves_old_or_new_never_a_mix()
    {
        using var dir = new TempDir();
        string data = Directory.CreateDirectory(dir.File("data")).FullName;
        var a = Read(data, dir.File("a.json"));
        var b = new Dictionary<string, string>(a)
        {
            ["wan.interface"] = "wan9", ["lan.interface"] = "lan9", ["lan.address"] = "10.9.0.1/24",
            ["vpn.psk"] = "another-key-entirely-9", ["vpn.pool"] = "10.9.0.100-10.9.0.199",
            ["vpn.dns"] = "10.9.0.1", ["vpn.security"] = "legacy", ["web.listen"] = "8099",
        };
        File.WriteAllText(dir.File("b.json"), JsonSerializer.Serialize(b));
        // Kill moments are spread over the time one import takes here, so that they land in
        // every phase: start-up, opening the store, writing the log, checkpointing.
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 3; i++) ApplianceBinary.Run("config", "import", dir.File("a.json"), "--data", data);
        int runtimeMs = Math.Max(10, (int)(clock.ElapsedMilliseconds / 3));
        var rng = new Random(20261123);
        int killedMidway = 0, completed = 0, killedInWrite = 0;
        string writeAheadLog = System.IO.Path.Combine(data, "appliance-log.db");
        int round = 0;
        for (; round < MinRounds || (killedInWrite < WantedKillsInWrite && round < MaxRounds); round++)
        {
            var target = round % 2 == 0 ? b : a;
            using var p = ApplianceBinary.Start(["config", "import", dir.File(round % 2 == 0 ? "b.json" : "a.json"), "--data", data]);
            // Half the kills anywhere in the run, half in its last part, where the write happens.
            // The run time is re-estimated as we go (a loaded machine stretches it): a command
            // that finished before the kill means the estimate was too long, and vice versa.
            Thread.Sleep(round % 4 < 2 ? rng.Next(0, runtimeMs + runtimeMs / 5) : rng.Next(runtimeMs / 2, runtimeMs + runtimeMs / 10));
            bool exited = p.HasExited;
            if (!exited) { p.Kill(); killedMidway++; runtimeMs = Math.Min(2000, runtimeMs * 21 / 20 + 1); }
            else { completed++; runtimeMs = Math.Max(5, runtimeMs * 4 / 5); }
            p.WaitForExit();
            // LiteDB's write-ahead log exists between a write's start and its checkpoint: a kill
            // that leaves it behind interrupted the store mid-write.
            if (!exited && File.Exists(writeAheadLog) && new FileInfo(writeAheadLog).Length > 0) killedInWrite++;
            var now = Read(data, dir.File("now.json"));
            bool isA = now.OrderBy(x => x.Key).SequenceEqual(a.OrderBy(x => x.Key));
            bool isB = now.OrderBy(x => x.Key).SequenceEqual(b.OrderBy(x => x.Key));
            Assert.True(isA || isB, $"round {round}: a mix of two configurations: {JsonSerializer.Serialize(now)}");
            if (exited) Assert.Equal(target, now);
        }
        // The test proves something only if many kills landed while the command ran.
        Console.WriteLine($"kill -9 rounds: {round}, one import {runtimeMs} ms, killed mid-command: {killedMidway} " +
            $"(of which during a store write: {killedInWrite}), completed: {completed}");
        Assert.True(killedInWrite >= WantedKillsInWrite, $"only {killedInWrite} kills in {round} rounds interrupted a store write");
    }
}
