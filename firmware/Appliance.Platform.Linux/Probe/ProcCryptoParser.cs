using System.Globalization;

namespace Appliance.Platform.Linux.Probe;

/// <summary>
/// Parses /proc/crypto: blocks separated by blank lines, each line "field : value". Unknown
/// fields are ignored and blocks without a name or driver are skipped, so a kernel that adds
/// fields, or a truncated read, yields fewer entries rather than an error.
/// </summary>
public static class ProcCryptoParser
{
    public static List<ProcCryptoEntry> Parse(string text)
    {
        var entries = new List<ProcCryptoEntry>();
        string? name = null, driver = null, module = null, selftest = null;
        int priority = 0;
        foreach (var rawLine in text.Split('\n').Append(""))
        {
            string line = rawLine.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                if (name is not null && driver is not null)
                    entries.Add(new ProcCryptoEntry(name, driver, module ?? "", priority, selftest is null or "passed"));
                name = driver = module = selftest = null;
                priority = 0;
                continue;
            }
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string field = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            switch (field)
            {
                case "name": name = value; break;
                case "driver": driver = value; break;
                case "module": module = value; break;
                case "selftest": selftest = value; break;
                case "priority":
                    _ = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out priority);
                    break;
            }
        }
        return entries;
    }
}
