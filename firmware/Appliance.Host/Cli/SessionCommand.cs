using Appliance.Host.Control;

namespace Appliance.Host.Cli;

/// <summary><c>appliance session kill ID</c>: the running daemon disconnects one client (PPP
/// Terminate, L2TP CDN and StopCCN, IKE Delete) and frees its address.</summary>
internal static class SessionCommand
{
    public static int Run(string[] args)
    {
        var line = CommandLine.Parse(args, new HashSet<string>(), new HashSet<string> { "data" });
        if (line.Words.Count != 2 || line.Words[0] != "kill")
            throw new UsageException("usage: appliance session kill ID");
        line.NoMoreWordsAfter(2);
        string dataDir = DataDirectory.Resolve(line.Value("data"));
        ControlResponse? response;
        try { response = ControlClient.TrySend(dataDir, new ControlRequest("session-kill", line.Words[1])); }
        catch (IOException e)
        {
            Console.Error.WriteLine($"appliance: session: {e.Message}");
            return ExitCodes.Failure;
        }
        if (response is null)
        {
            Console.Error.WriteLine($"appliance: session: not running (no daemon for {dataDir})");
            return ExitCodes.NotRunning;
        }
        if (!response.Ok)
        {
            Console.Error.WriteLine($"appliance: session: {response.Error}");
            return ExitCodes.Refused;
        }
        Console.WriteLine($"session {line.Words[1]} disconnected");
        return ExitCodes.Ok;
    }
}
