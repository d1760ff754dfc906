using System.Text.Json;

namespace Appliance.Host.Cli;

/// <summary>'appliance user add|del|list|passwd|enable|disable'.</summary>
internal static class UserCommand
{
    public static int Run(string[] args)
    {
        var line = CommandLine.Parse(args, new HashSet<string> { "json", "password-stdin" },
            new HashSet<string> { "data", "static-address" });
        string verb = line.Word(0, "user command (add, del, list, passwd, enable, disable)");
        string dataDir = DataDirectory.Resolve(line.Value("data"));
        if (DataDirectory.Prepare(dataDir, create: false) is { } problem) throw new UsageException(problem);
        using var station = Station.Open(dataDir);
        station.Config.LoadOrInitialize();
        switch (verb)
        {
            case "list":
                line.NoMoreWordsAfter(1);
                List(station, line.Has("json"));
                return ExitCodes.Ok;
            case "add":
            {
                line.NoMoreWordsAfter(2);
                string name = line.Word(1, "NAME");
                string password = PasswordInput.Read(line.Has("password-stdin"), $"password for {name}");
                return Done(station.Users.Add(name, password, line.Value("static-address")), $"added user {name}", dataDir);
            }
            case "passwd":
            {
                line.NoMoreWordsAfter(2);
                string name = line.Word(1, "NAME");
                if (station.Store.FindUser(name) is null) return Done($"name: no user '{name}'", "", dataDir);
                string password = PasswordInput.Read(line.Has("password-stdin"), $"new password for {name}");
                return Done(station.Users.SetPassword(name, password), $"changed the password of {name}", dataDir);
            }
            case "del":
            {
                line.NoMoreWordsAfter(2);
                string name = line.Word(1, "NAME");
                return Done(station.Users.Delete(name) ? null : $"name: no user '{name}'", $"deleted user {name}", dataDir);
            }
            case "enable" or "disable":
            {
                line.NoMoreWordsAfter(2);
                string name = line.Word(1, "NAME");
                return Done(station.Users.SetEnabled(name, verb == "enable"), $"{verb}d user {name}", dataDir);
            }
            default:
                throw new UsageException($"unknown user command '{verb}'");
        }
    }

    private static int Done(string? refusal, string success, string dataDir)
    {
        if (refusal is not null)
        {
            Console.Error.WriteLine($"appliance: refused: {refusal}");
            return ExitCodes.Refused;
        }
        Console.WriteLine(success);
        ConfigCommand.NotifyDaemon(dataDir);
        return ExitCodes.Ok;
    }

    private static void List(Station station, bool json)
    {
        var users = station.Users.List();
        if (json)
        {
            using var stdout = Console.OpenStandardOutput();
            using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartArray();
                foreach (var u in users)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", u.Name);
                    writer.WriteBoolean("enabled", u.Enabled);
                    if (u.StaticAddress is null) writer.WriteNull("staticAddress");
                    else writer.WriteString("staticAddress", u.StaticAddress);
                    writer.WriteString("created", u.CreatedUtc);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            stdout.WriteByte((byte)'\n');
            return;
        }
        if (users.Count == 0) { Console.WriteLine("no users"); return; }
        int width = Math.Max(4, users.Max(u => u.Name.Length));
        Console.WriteLine($"{"NAME".PadRight(width)}  ENABLED  STATIC-ADDRESS   CREATED");
        foreach (var u in users)
            Console.WriteLine($"{u.Name.PadRight(width)}  {(u.Enabled ? "yes" : "no"),-7}  {u.StaticAddress ?? "-",-15}  {u.CreatedUtc:yyyy-MM-dd HH:mm}Z");
    }
}
