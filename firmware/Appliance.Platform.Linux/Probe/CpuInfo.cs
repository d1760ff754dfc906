namespace Appliance.Platform.Linux.Probe;

/// <summary>
/// Reads the CPU's AES capability from /proc/cpuinfo ("flags" on x86, "Features" on arm64).
/// Not from System.Runtime.Intrinsics: in a NativeAOT binary, Aes.IsSupported answers for the
/// instruction set the binary was compiled for, not for the CPU it runs on.
/// </summary>
public static class CpuInfo
{
    public static bool HasAesInstructions(string cpuinfo)
    {
        foreach (var line in cpuinfo.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string field = line[..colon].Trim();
            if (field is not ("flags" or "Features")) continue;
            foreach (var flag in line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (flag == "aes") return true;
        }
        return false;
    }
}
