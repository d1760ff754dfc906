using Appliance.Services.Config.Values;

namespace Appliance.Services.Config;

/// <summary>Rules for <c>vpn.dns</c>. IPCP carries a primary and a secondary server (RFC 1877),
/// so at most two addresses make sense.</summary>
internal static class DnsServers
{
    public static string? Check(string value)
    {
        if (value == "auto") return null;
        var parts = value.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > 2) return "at most two DNS servers (IPCP has a primary and a secondary)";
        foreach (string p in parts)
        {
            if (!Ipv4.TryParse(p, out uint address)) return $"'{p}' is not an IPv4 address (or use 'auto')";
            if (address == 0 || address >> 24 >= 224) return $"'{p}' cannot be a DNS server";
        }
        return null;
    }
}
