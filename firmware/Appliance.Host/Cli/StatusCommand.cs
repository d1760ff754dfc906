using System.Text.Json;
using Appliance.Host.Control;
using Appliance.Services.Status;

namespace Appliance.Host.Cli;

internal static class StatusCommand
{
    public static int Run(string[] args)
    {
        var line = CommandLine.Parse(args, new HashSet<string> { "json" }, new HashSet<string> { "data" });
        line.NoMoreWordsAfter(0);
        string dataDir = DataDirectory.Resolve(line.Value("data"));
        ControlResponse? response;
        try { response = ControlClient.TrySend(dataDir, new ControlRequest("status")); }
        catch (IOException e)
        {
            Console.Error.WriteLine($"appliance: status: {e.Message}");
            return ExitCodes.Failure;
        }
        if (response is null)
        {
            if (line.Has("json")) Console.WriteLine("{\"running\":false}");
            else Console.WriteLine($"not running (no daemon for {dataDir})");
            return ExitCodes.NotRunning;
        }
        if (!response.Ok || response.Status is null)
        {
            Console.Error.WriteLine($"appliance: status: {response.Error}");
            return ExitCodes.Failure;
        }
        var s = response.Status;
        if (line.Has("json"))
        {
            Console.WriteLine(JsonSerializer.Serialize(s, StatusJson.Default.StatusSnapshot));
            return ExitCodes.Ok;
        }
        Console.WriteLine($"running       appliance {s.Version} {s.Architecture}, up {TimeSpan.FromSeconds(s.UptimeSeconds)}");
        Console.WriteLine($"datapath      {s.Datapath} ({string.Join("; ", s.DatapathReasons)})");
        Console.WriteLine($"kernel        {s.KernelRelease}");
        Console.WriteLine($"cpu aes       {(s.CpuAesInstructions ? "yes" : "no")}");
        foreach (var c in s.CryptoDrivers)
            Console.WriteLine($"crypto        {c.Algorithm,-14} {c.Acceleration,-9} {c.Driver}{(c.Note.Length > 0 ? $" ({c.Note})" : "")}");
        Console.WriteLine($"web admin     {(s.WebListening.Count == 0 ? "not listening" : string.Join(" ", s.WebListening))}");
        Console.WriteLine($"vpn           {s.Vpn.EstablishedIkeSas} IKE SAs established ({s.Vpn.IkeSas} in all), {s.Vpn.EspSaPairs} ESP SA pairs");
        Console.WriteLine($"esp           {s.Vpn.EspPacketsReceived} packets in, {s.Vpn.EspPacketsDecrypted} decrypted, {s.Vpn.L2tpDatagramsThroughEsp} L2TP datagrams through an SA");
        Console.WriteLine($"l2tp/ppp      {s.Vpn.L2tpTunnels} tunnels, {s.Vpn.Sessions?.Count ?? 0} sessions, {s.Vpn.PppLogins} logins, {s.Vpn.PppLoginFailures} failed");
        foreach (var v in s.Vpn.Sessions ?? [])
            Console.WriteLine($"session {v.Id,-5} {v.User ?? "-",-16} {v.InnerAddress ?? "-",-15} from {v.OuterAddress}:{v.OuterPort} {v.ClientKind}, {v.Phase}, {v.Datapath}, " +
                $"{v.BytesIn} bytes in, {v.BytesOut} out, {TimeSpan.FromSeconds(v.DurationSeconds)}");
        if (s.Vpn.LoginFailuresByUser is { Count: > 0 } byUser)
            Console.WriteLine($"failed logins {string.Join(", ", byUser.OrderByDescending(e => e.Value).Take(10).Select(e => $"{e.Key}: {e.Value}"))} (by user)");
        if (s.Vpn.LoginFailuresBySource is { Count: > 0 } bySource)
            Console.WriteLine($"failed logins {string.Join(", ", bySource.OrderByDescending(e => e.Value).Take(10).Select(e => $"{e.Key}: {e.Value}"))} (by source)");
        if (s.Vpn.Drops.Count > 0)
            Console.WriteLine($"drops         {string.Join(", ", s.Vpn.Drops.Select(d => $"{d.Key}: {d.Value}"))}");
        Console.WriteLine($"store         schema {s.StoreSchemaVersion}, configuration generation {s.ConfigGeneration}");
        return ExitCodes.Ok;
    }
}
