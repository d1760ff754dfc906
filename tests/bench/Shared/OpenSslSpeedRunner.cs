using System.Diagnostics;

namespace Appliance.Bench;

/// <summary>Runs <c>openssl speed ARGS</c> (the reference every benchmark compares against, on the
/// same machine in the same run) and returns its output lines, trimmed, without blank ones.
/// Each benchmark parses the table it asked for.</summary>
internal static class OpenSslSpeedRunner
{
    public static string[] Run(string arguments)
    {
        var info = new ProcessStartInfo("openssl", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(info) ?? throw new InvalidOperationException("openssl did not start");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        _ = stderr.Result;
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
