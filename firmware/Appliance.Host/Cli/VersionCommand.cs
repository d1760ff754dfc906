namespace Appliance.Host.Cli;

internal static class VersionCommand
{
    public static int Run(string[] args)
    {
        CommandLine.Parse(args, new HashSet<string>(), new HashSet<string> { "data" }).NoMoreWordsAfter(0);
        Console.WriteLine($"appliance {BuildInfo.Version} {BuildInfo.Target}");
        return ExitCodes.Ok;
    }
}
