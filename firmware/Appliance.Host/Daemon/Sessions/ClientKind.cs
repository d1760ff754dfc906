namespace Appliance.Host.Daemon.Sessions;

/// <summary>
/// A guess at what kind of client a session is, from what it told us about itself (the L2TP
/// Host Name and Vendor Name, the LCP Identification): for the status page, so an admin can tell
/// the phone from the laptop. Only a guess: none of these is authenticated.
/// </summary>
internal static class ClientKind
{
    public static string Guess(string? hostName, string? vendor, string? lcpIdentification)
    {
        if (vendor is not null && vendor.Contains("Microsoft", StringComparison.OrdinalIgnoreCase)) return "windows";
        if (lcpIdentification is not null && lcpIdentification.StartsWith("MSRAS", StringComparison.OrdinalIgnoreCase)) return "windows";
        if (vendor is not null && vendor.Contains("xelerance", StringComparison.OrdinalIgnoreCase)) return "linux (xl2tpd)";
        if (hostName is not null && hostName.Equals("anonymous", StringComparison.Ordinal)) return "android";
        if (vendor is null && hostName is not null) return "apple or other";
        return "unknown";
    }
}
