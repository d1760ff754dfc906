namespace Appliance.Host.Cli;

/// <summary>'appliance factory-reset --yes': a fresh random PSK, default settings, no users and no
/// admin password, in one store transaction.</summary>
internal static class FactoryResetCommand
{
    public static int Run(string[] args)
    {
        var line = CommandLine.Parse(args, new HashSet<string> { "yes" }, new HashSet<string> { "data" });
        line.NoMoreWordsAfter(0);
        if (!line.Has("yes"))
            throw new UsageException("factory-reset erases users, the admin password and every setting: add --yes to confirm");
        string dataDir = DataDirectory.Resolve(line.Value("data"));
        if (DataDirectory.Prepare(dataDir, create: false) is { } problem) throw new UsageException(problem);
        using var station = Station.Open(dataDir);
        var config = station.Config.FactoryReset();
        Console.WriteLine($"factory settings restored (configuration generation {config.Generation}); a new PSK was generated");
        ConfigCommand.NotifyDaemon(dataDir);
        return ExitCodes.Ok;
    }
}
