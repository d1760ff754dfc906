using Appliance.Services.Config.Values;

namespace Appliance.Services.Config;

/// <summary>Every configuration key the appliance knows. Names are promises to users and
/// scripts: add keys, never rename them.</summary>
public static class ConfigSchema
{
    public const string WanInterface = "wan.interface";
    public const string LanInterface = "lan.interface";
    public const string LanAddress = "lan.address";
    public const string VpnPsk = "vpn.psk";
    public const string VpnPool = "vpn.pool";
    public const string VpnDns = "vpn.dns";
    public const string VpnSecurity = "vpn.security";
    public const string WebListen = "web.listen";
    public const string VpnDatapath = "vpn.datapath";
    public const string VpnPlainL2tpLan = "vpn.plain_l2tp_lan";

    public static readonly IReadOnlyList<ConfigKey> Keys =
    [
        new(WanInterface, "network interface towards the internet", false,
            InterfaceName.Check, _ => "eth0"),
        new(LanInterface, "network interface towards the home or office LAN", false,
            InterfaceName.Check, _ => "eth1"),
        new(LanAddress, "the box's address and prefix on the LAN (CIDR)", false,
            v => Ipv4Cidr.TryParseHost(v, out _), _ => "192.168.8.1/24"),
        new(VpnPsk, "IPsec pre-shared key that every VPN client enters", true,
            PresharedKey.Check, PresharedKey.Generate),
        new(VpnPool, "addresses handed to VPN clients (FIRST-LAST)", false,
            v => Ipv4Range.TryParse(v, out _), _ => "192.168.8.200-192.168.8.249"),
        new(VpnDns, "DNS servers given to VPN clients: 'auto' (the box's own) or up to two IPv4 addresses", false,
            DnsServers.Check, _ => "auto"),
        new(VpnSecurity, "which algorithms clients may use: modern, compatible or legacy", false,
            v => v is "modern" or "compatible" or "legacy" ? null : "must be one of: modern, compatible, legacy",
            _ => "compatible"),
        new(VpnDatapath, "where ESP runs: auto (the kernel when it has esp4, L2TP and PPP), kernel, or userspace", false,
            v => v is "auto" or "kernel" or "userspace" ? null : "must be one of: auto, kernel, userspace",
            _ => "auto"),
        new(VpnPlainL2tpLan, "FOR TESTING AND BENCHMARKS ONLY: 'on' accepts L2TP without IPsec from the LAN subnet on the LAN side " +
            "(no encryption); off (default) accepts L2TP only through an IPsec SA", false,
            v => v is "off" or "on" ? null : "must be one of: off, on",
            _ => "off"),
        new(WebListen, "where the web admin listens: PORT (LAN and loopback), lan:PORT, loopback:PORT, 127.x.x.x:PORT", false,
            v => ListenEndpoint.TryParseList(v, out _), _ => "80"),
    ];

    private static readonly Dictionary<string, ConfigKey> ByName =
        Keys.ToDictionary(k => k.Name, StringComparer.Ordinal);

    public static ConfigKey? Find(string name) => ByName.GetValueOrDefault(name);

    public static Dictionary<string, string> Defaults(Func<int, int> randomBelow) =>
        Keys.ToDictionary(k => k.Name, k => k.Default(randomBelow), StringComparer.Ordinal);
}
