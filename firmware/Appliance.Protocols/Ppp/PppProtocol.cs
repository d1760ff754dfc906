namespace Appliance.Protocols.Ppp;

/// <summary>PPP protocol numbers this core handles or names (RFC 1661 §2, IANA "PPP DLL Protocol Numbers").</summary>
public static class PppProtocol
{
    public const ushort Ip = 0x0021;
    public const ushort Ipv6 = 0x0057;
    public const ushort Ipcp = 0x8021;
    public const ushort Ccp = 0x80FD;
    public const ushort Ipv6cp = 0x8057;
    public const ushort Lcp = 0xC021;
    public const ushort Pap = 0xC023;
    public const ushort Chap = 0xC223;

    /// <summary>A short name for logs; unknown numbers as hex.</summary>
    public static string Name(ushort protocol) => protocol switch
    {
        Ip => "IP",
        Ipv6 => "IPv6",
        Ipcp => "IPCP",
        Ccp => "CCP",
        Ipv6cp => "IPV6CP",
        Lcp => "LCP",
        Pap => "PAP",
        Chap => "CHAP",
        _ => "0x" + protocol.ToString("X4", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Network-layer data (0x0000-0x3FFF) and network control protocols (0x8000-0xBFFF): RFC 1661
    /// §3.4 lets them through only in the Network phase, so earlier they are silently discarded.
    /// </summary>
    internal static bool IsNetworkLayer(ushort protocol) => protocol < 0x4000 || (protocol >= 0x8000 && protocol < 0xC000);
}
