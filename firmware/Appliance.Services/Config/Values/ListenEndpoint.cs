namespace Appliance.Services.Config.Values;

/// <summary>Where the web admin listens. It may only ever listen on the LAN side and on loopback:
/// the admin page must not be reachable from the WAN.</summary>
public readonly record struct ListenEndpoint(ListenEndpoint.Side On, uint Address, int Port)
{
    public enum Side { Lan, Loopback }

    /// <summary>Parses <c>web.listen</c>: a comma-separated list of <c>PORT</c> (LAN address and
    /// loopback), <c>lan:PORT</c>, <c>loopback:PORT</c> or <c>ADDRESS:PORT</c> with a loopback
    /// address. The LAN address itself comes from <c>lan.address</c>, so it cannot go stale.</summary>
    public static string? TryParseList(string text, out List<ListenEndpoint> endpoints)
    {
        endpoints = [];
        foreach (string raw in text.Split(','))
        {
            string item = raw.Trim();
            if (item.Length == 0) return "empty entry in the list";
            int colon = item.LastIndexOf(':');
            string host = colon < 0 ? "" : item[..colon];
            if (!int.TryParse(item.AsSpan(colon + 1), System.Globalization.NumberStyles.None, null, out int port)
                || port < 1 || port > 65535)
                return $"'{item}': port must be a number from 1 to 65535";
            const uint loopback = 0x7f000001;
            switch (host)
            {
                case "":
                    endpoints.Add(new(Side.Lan, 0, port));
                    endpoints.Add(new(Side.Loopback, loopback, port));
                    break;
                case "lan":
                    endpoints.Add(new(Side.Lan, 0, port));
                    break;
                case "loopback":
                    endpoints.Add(new(Side.Loopback, loopback, port));
                    break;
                default:
                    if (!Ipv4.TryParse(host, out uint address))
                        return $"'{host}' is not 'lan', 'loopback' or an IPv4 address";
                    if (address >> 24 != 127)
                        return $"'{host}' is not a loopback address; use 'lan' for the LAN side (the admin page never listens on the WAN)";
                    endpoints.Add(new(Side.Loopback, address, port));
                    break;
            }
        }
        return null;
    }
}
