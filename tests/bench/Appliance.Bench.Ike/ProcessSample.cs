namespace Appliance.Bench.Ike;

/// <summary>
/// CPU time and resident memory of a process, read from /proc (the responder runs in another
/// network namespace but the same PID namespace), and the busy time of each CPU from /proc/stat:
/// what else ran on the responder's and the driver's CPU during a measurement.
/// </summary>
internal static class ProcessSample
{
    // /proc reports CPU times in USER_HZ, which Linux fixes at 100 for user space whatever the kernel's HZ.
    private const double TicksPerSecond = 100;

    /// <summary>User + system CPU seconds of <paramref name="pid"/> (all its threads), or null when it is gone.</summary>
    public static double? CpuSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which is in parentheses and may contain spaces.
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // f[0] is field 3 (state); utime and stime are fields 14 and 15.
            return (long.Parse(f[11]) + long.Parse(f[12])) / TicksPerSecond;
        }
        catch (IOException) { return null; }
    }

    /// <summary>VmRSS of <paramref name="pid"/> in KiB, or null when it is gone.</summary>
    public static long? RssKib(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0]);
            return null;
        }
        catch (IOException) { return null; }
    }

    /// <summary>Busy and total jiffies of each CPU ("cpuN" lines of /proc/stat).</summary>
    public static Dictionary<int, (long Busy, long Total)> CpuJiffies()
    {
        var result = new Dictionary<int, (long, long)>();
        foreach (string line in File.ReadLines("/proc/stat"))
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4 || !char.IsDigit(line[3])) continue;
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long[] v = f[1..].Select(long.Parse).ToArray();
            long idle = v[3] + (v.Length > 4 ? v[4] : 0); // idle + iowait
            long total = v.Take(8).Sum();                   // guest time is already in user
            result[int.Parse(f[0][3..])] = (total - idle, total);
        }
        return result;
    }

    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();
}
