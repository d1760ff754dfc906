using System.Diagnostics;
using System.Text;

namespace Appliance.Host.Tests;

/// <summary>Runs the published NativeAOT binary: $APPLIANCE_BIN, else out/linux-x64/appliance
/// (build/publish.sh x64). A missing binary fails the tests; it is not a reason to skip them.</summary>
public static class ApplianceBinary
{
    public static string Path { get; } = Locate();

    private static string Locate()
    {
        string? env = Environment.GetEnvironmentVariable("APPLIANCE_BIN");
        if (!string.IsNullOrEmpty(env)) return env;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Appliance.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
        string path = System.IO.Path.Combine(dir.FullName, "out", "linux-x64", "appliance");
        if (!File.Exists(path)) throw new InvalidOperationException($"{path} is missing: run build/publish.sh x64 first");
        return path;
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result RunWithInput(string? stdin, params string[] args)
    {
        using var p = Start(args, redirectIn: true);
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000)) { p.Kill(); throw new TimeoutException("appliance " + string.Join(' ', args)); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Run(params string[] args) => RunWithInput(null, args);

    public static Process Start(string[] args, bool redirectIn = false)
    {
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectIn,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment.Remove("APPLIANCE_DATA");
        return Process.Start(info)!;
    }
}
