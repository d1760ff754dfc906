using System.Runtime.InteropServices;
using Appliance.Platform.Linux.Netlink;

namespace Appliance.Platform.Linux.Probe;

/// <summary>
/// Reads what the running kernel offers. <paramref name="root"/> is "/" on the box; tests point it
/// at a directory tree of captured files.
/// </summary>
public sealed class PlatformProbe(string root = "/")
{
    public PlatformReport Run(bool tryNetlink = true)
    {
        string release = ReadText("proc/sys/kernel/osrelease").Trim();
        var modules = new KernelModules(
            ListDirectory("sys/module"),
            ReadText($"lib/modules/{release}/modules.builtin"),
            ReadText($"lib/modules/{release}/modules.dep"));
        var kernel = new KernelFeatures(
            release,
            modules.State("esp4"),
            modules.State("xfrm_user"),
            tryNetlink && NetlinkXfrmOpens(),
            modules.State("l2tp_ppp"),
            modules.State("ppp_generic"),
            File.Exists(Resolve("dev/ppp")));
        var crypto = CryptoDriverReport.Build(ProcCryptoParser.Parse(ReadText("proc/crypto")));
        bool cpuAes = CpuInfo.HasAesInstructions(ReadText("proc/cpuinfo"));
        return new PlatformReport(kernel, Datapath.Decide(kernel), crypto, cpuAes,
            RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant());
    }

    private string Resolve(string relative) => Path.Combine(root, relative);

    private string ReadText(string relative)
    {
        try { return File.ReadAllText(Resolve(relative)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }

    private IEnumerable<string> ListDirectory(string relative)
    {
        try { return Directory.GetDirectories(Resolve(relative)).Select(Path.GetFileName).OfType<string>().ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>The definitive test for netlink XFRM: the socket opens only when the kernel has
    /// xfrm_user (built in or autoloaded on this very call).</summary>
    private static bool NetlinkXfrmOpens()
    {
        int fd = Interop.Libc.socket(NetlinkSyscalls.AF_NETLINK, Interop.Libc.SOCK_RAW | Interop.Libc.SOCK_CLOEXEC, NetlinkSyscalls.NETLINK_XFRM);
        if (fd < 0) return false;
        Interop.Libc.close(fd);
        return true;
    }
}
