using Appliance.Host.Daemon;
using Appliance.Services.Logging;

namespace Appliance.Host.Cli;

internal static class RunCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        var line = CommandLine.Parse(args, new HashSet<string> { "debug" }, new HashSet<string> { "data" });
        line.NoMoreWordsAfter(0);
        var log = new Log(Console.Out, TimeProvider.System, line.Has("debug") ? LogLevel.Debug : LogLevel.Info);
        return DaemonHost.RunAsync(DataDirectory.Resolve(line.Value("data")), log);
    }
}
