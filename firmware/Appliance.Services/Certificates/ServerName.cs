using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Services.Certificates;

/// <summary>
/// A name clients type to reach the box: a DNS name or an IP address. Windows and macOS check the
/// typed text against the certificate's dNSName entries, even when it is an address
/// (shared/reference/clients.md: error 13801 otherwise), while strongSwan and RFC 5280 matching
/// look for an iPAddress entry; so an address goes into the certificate both ways.
/// </summary>
public sealed record ServerName(string Text, IPAddress? Address)
{
    public const int MaxNames = 16;
    private const int MaxDnsLength = 253, MaxLabelLength = 63;

    public bool IsAddress => Address is not null;

    /// <summary>Parses one name; returns the reason it is refused, or null.</summary>
    public static string? TryParse(string text, out ServerName? name)
    {
        name = null;
        string t = text.Trim();
        if (t.Length == 0) return "empty name";
        // Only dotted IPv4 and IPv6 literals count as addresses: IPAddress.TryParse would also
        // read "10" or "1.2.3" as addresses, which nobody types into a VPN client.
        if (t.Contains(':') || IsDottedQuad(t))
        {
            if (!IPAddress.TryParse(t, out var address) || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
                return $"'{t}' is not an IP address";
            name = new ServerName(address.ToString(), address);
            return null;
        }
        if (t.Length > MaxDnsLength) return $"'{t}' is longer than {MaxDnsLength} characters";
        string lower = t.TrimEnd('.').ToLowerInvariant();
        foreach (string label in lower.Split('.'))
        {
            if (label.Length is 0 or > MaxLabelLength) return $"'{t}' has an empty or over-long label";
            if (label[0] == '-' || label[^1] == '-') return $"'{t}': a label may not begin or end with '-'";
            foreach (char c in label)
                if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
                    return $"'{t}': only letters, digits, '-' and '.' are allowed in a host name";
        }
        name = new ServerName(lower, null);
        return null;
    }

    /// <summary>Parses a list (duplicates dropped, order kept: the first becomes the CN).</summary>
    public static string? TryParseList(IEnumerable<string> texts, out List<ServerName> names)
    {
        names = [];
        foreach (string text in texts)
        {
            if (TryParse(text, out var name) is { } error) return error;
            if (!names.Any(n => n.Text == name!.Text)) names.Add(name!);
        }
        if (names.Count == 0) return "at least one name or address is needed";
        if (names.Count > MaxNames) return $"at most {MaxNames} names";
        return null;
    }

    private static bool IsDottedQuad(string t)
    {
        string[] parts = t.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _));
    }
}
