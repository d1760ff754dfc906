using Appliance.Platform.Linux.Probe;
using Appliance.Protocols.Crypto;
using Appliance.Services.Config;

namespace Appliance.Host.Cli;

/// <summary>
/// 'appliance self-test': every crypto primitive against its known answer, and a store round trip
/// in a scratch directory (create, migrate, write, reopen, read back, seal and unseal a password).
/// Meant for a new build on new hardware, and to check the arm64 binary under emulation.
/// </summary>
internal static class SelfTestCommand
{
    public static int Run(string[] args)
    {
        CommandLine.Parse(args, new HashSet<string>(), new HashSet<string> { "data" }).NoMoreWordsAfter(0);
        var results = new List<SelfTestResult>(CryptoSelfTest.Run());
        results.AddRange(StoreRoundTrip());
        results.Add(Check("platform probe", () =>
        {
            var report = new PlatformProbe().Run(tryNetlink: false);
            return report.CryptoDrivers.Count == CryptoDriverReport.EspAlgorithms.Count ? null : "incomplete crypto report";
        }));
        foreach (var r in results)
            Console.WriteLine(r.Passed ? $"PASS {r.Name}" : $"FAIL {r.Name}: {r.Detail}");
        int failed = results.Count(r => !r.Passed);
        Console.WriteLine($"self-test: {results.Count - failed} passed, {failed} failed");
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static IEnumerable<SelfTestResult> StoreRoundTrip()
    {
        string scratch = Path.Combine(Path.GetTempPath(), $"appliance-self-test-{Environment.ProcessId}");
        Directory.CreateDirectory(scratch);
        try
        {
            long generation = 0;
            string psk = "";
            yield return Check("store create and migrate", () =>
            {
                using var station = Station.Open(scratch);
                var config = station.Config.LoadOrInitialize();
                psk = config.Values[ConfigSchema.VpnPsk];
                var change = station.Config.Apply(new Dictionary<string, string> { [ConfigSchema.VpnSecurity] = "modern" });
                generation = change.Config?.Generation ?? -1;
                if (change.Refused) return string.Join("; ", change.Errors);
                return station.Users.Add("self-test", "self-test-password", null);
            });
            yield return Check("store reopen and read back", () =>
            {
                using var station = Station.Open(scratch);
                var config = station.Config.LoadOrInitialize();
                if (config.Generation != generation) return $"generation {config.Generation}, expected {generation}";
                if (config.VpnSecurity != "modern") return "configuration change lost";
                if (config.Values[ConfigSchema.VpnPsk] != psk) return "PSK changed across reopen";
                var user = station.Store.FindUser("self-test");
                if (user is null) return "user lost";
                if (!MsChapV2.NtPasswordHash("self-test-password").AsSpan().SequenceEqual(user.NtHash)) return "NT hash differs";
                return null;
            });
            yield return Check("store refuses a bad value", () =>
            {
                using var station = Station.Open(scratch);
                var change = station.Config.Apply(new Dictionary<string, string> { [ConfigSchema.LanAddress] = "300.1.1.1/24" });
                return change.Refused && station.Config.LoadOrInitialize().Generation == generation ? null : "bad value was written";
            });
        }
        finally
        {
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
        }
    }

    private static SelfTestResult Check(string name, Func<string?> check)
    {
        try
        {
            string? problem = check();
            return new SelfTestResult(name, problem is null, problem);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new SelfTestResult(name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
