using System.Diagnostics;

namespace Appliance.Services.Tests.Certificates;

/// <summary>Runs Debian's openssl (3.x) as an independent reader of what the box writes. A missing
/// openssl fails the test: the point is to prove interoperability, not to skip it.</summary>
internal static class OpenSsl
{
    public static string Path { get; } = Locate();

    private static string Locate()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            string candidate = System.IO.Path.Combine(dir, "openssl");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("openssl is not installed (apt-get install openssl): the interoperability checks need it");
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + Stderr;
    }

    public static Result Run(params string[] args)
    {
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        // No OPENSSL_CONF from the environment: the default provider only, as on a stock system.
        info.Environment.Remove("OPENSSL_CONF");
        info.Environment.Remove("OPENSSL_MODULES");
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000)) { p.Kill(); throw new TimeoutException("openssl " + string.Join(' ', args)); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
