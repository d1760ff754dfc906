using System.Text.Json;
using Appliance.Host.Control;
using Appliance.Services.Config;

namespace Appliance.Host.Cli;

/// <summary>'appliance config show|get|set|export|import'. Changes are validated as a whole and
/// committed as one transaction; a refusal names the key and the reason and exits 2.</summary>
internal static class ConfigCommand
{
    public static int Run(string[] args)
    {
        var line = CommandLine.Parse(args, new HashSet<string> { "json" }, new HashSet<string> { "data" });
        string verb = line.Word(0, "config command (show, get, set, export, import)");
        string dataDir = DataDirectory.Resolve(line.Value("data"));
        if (DataDirectory.Prepare(dataDir, create: false) is { } problem) throw new UsageException(problem);
        using var station = Station.Open(dataDir);
        var config = station.Config.LoadOrInitialize();
        switch (verb)
        {
            case "show":
                line.NoMoreWordsAfter(1);
                Show(config, line.Has("json"));
                return ExitCodes.Ok;
            case "get":
            {
                line.NoMoreWordsAfter(2);
                string key = line.Word(1, "KEY");
                if (ConfigSchema.Find(key) is null) return Refused([new ConfigError(key, "unknown key")]);
                Console.WriteLine(config.Values[key]);
                return ExitCodes.Ok;
            }
            case "set":
                line.NoMoreWordsAfter(3);
                return Apply(station, dataDir, new Dictionary<string, string> { [line.Word(1, "KEY")] = line.Word(2, "VALUE") });
            case "export":
            {
                line.NoMoreWordsAfter(2);
                string file = line.Word(1, "FILE");
                try { ConfigFile.Write(file, config.Values); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"appliance: config export: {e.Message}");
                    return ExitCodes.Failure;
                }
                Console.WriteLine($"exported {config.Values.Count} keys to {file} (it holds the PSK: keep it safe)");
                return ExitCodes.Ok;
            }
            case "import":
            {
                line.NoMoreWordsAfter(2);
                var values = ConfigFile.Read(line.Word(1, "FILE"), out var error);
                if (values is null)
                {
                    Console.Error.WriteLine($"appliance: config import: {error}");
                    return ExitCodes.Refused;
                }
                return Apply(station, dataDir, values);
            }
            default:
                throw new UsageException($"unknown config command '{verb}'");
        }
    }

    private static int Apply(Station station, string dataDir, Dictionary<string, string> changes)
    {
        var change = station.Config.Apply(changes);
        if (change.Refused) return Refused(change.Errors);
        if (change.ChangedKeys.Count == 0)
        {
            Console.WriteLine("unchanged");
            return ExitCodes.Ok;
        }
        Console.WriteLine($"changed {string.Join(", ", change.ChangedKeys)} (configuration generation {change.Config!.Generation})");
        NotifyDaemon(dataDir);
        return ExitCodes.Ok;
    }

    internal static void NotifyDaemon(string dataDir)
    {
        try { ControlClient.TrySend(dataDir, new ControlRequest("reload")); }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            Console.Error.WriteLine($"appliance: saved, but the running daemon did not confirm the reload: {e.Message}");
        }
    }

    private static int Refused(IReadOnlyList<ConfigError> errors)
    {
        foreach (var e in errors) Console.Error.WriteLine($"appliance: refused: {e.Key}: {e.Reason}");
        Console.Error.WriteLine("appliance: nothing was changed");
        return ExitCodes.Refused;
    }

    private static void Show(ApplianceConfig config, bool json)
    {
        string Display(ConfigKey key) => key.Secret ? "********" : config.Values[key.Name];
        if (json)
        {
            using var stdout = Console.OpenStandardOutput();
            using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                foreach (var key in ConfigSchema.Keys) writer.WriteString(key.Name, Display(key));
                writer.WriteEndObject();
            }
            stdout.WriteByte((byte)'\n');
            return;
        }
        int width = ConfigSchema.Keys.Max(k => k.Name.Length);
        foreach (var key in ConfigSchema.Keys)
            Console.WriteLine($"{key.Name.PadRight(width)}  {Display(key)}");
    }
}
