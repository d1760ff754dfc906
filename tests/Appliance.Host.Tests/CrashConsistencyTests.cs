using System.Diagnostics;
using System.Text.Json;

namespace Appliance.Host.Tests;

/// <summary>
/// kill -9 at random moments while 'config import' writes, many times: the store must always
/// open afterwards and hold exactly one whole configuration, never a mix of two.
/// </summary>
public class CrashConsistencyTests
{
    private const int Rounds = 120;

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
        var rng = new Random(20261123);
        int killedMidway = 0, completed = 0;
        var expected = a;
        for (int round = 0; round < Rounds; round++)
        {
            var target = round % 2 == 0 ? b : a;
            using var p = ApplianceBinary.Start(["config", "import", dir.File(round % 2 == 0 ? "b.json" : "a.json"), "--data", data]);
            Thread.Sleep(rng.Next(0, 45));
            bool exited = p.HasExited;
            if (!exited) { p.Kill(); killedMidway++; } else completed++;
            p.WaitForExit();
            var now = Read(data, dir.File("now.json"));
            bool isA = now.OrderBy(x => x.Key).SequenceEqual(a.OrderBy(x => x.Key));
            bool isB = now.OrderBy(x => x.Key).SequenceEqual(b.OrderBy(x => x.Key));
            Assert.True(isA || isB, $"round {round}: a mix of two configurations: {JsonSerializer.Serialize(now)}");
            if (exited) Assert.Equal(target, now);
            expected = now;
        }
        // The test proves something only if many kills landed while the command ran.
        Assert.True(killedMidway >= Rounds / 3, $"only {killedMidway} of {Rounds} kills landed mid-command");
        Console.WriteLine($"kill -9 rounds: {Rounds}, killed mid-command: {killedMidway}, completed: {completed}");
    }
}
