namespace Appliance.Platform.Linux.Rtnetlink;

/// <summary>Numbers from linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h and linux/if.h that
/// the rtnetlink adapter uses.</summary>
public static class Rtnl
{
    // Message types.
    public const ushort RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18;
    public const ushort RTM_NEWADDR = 20, RTM_DELADDR = 21;
    public const ushort RTM_NEWROUTE = 24, RTM_DELROUTE = 25;

    // Fixed structs.
    public const int IfInfoMsgSize = 16, IfAddrMsgSize = 8, RtMsgSize = 12;

    // Link attributes.
    public const ushort IFLA_IFNAME = 3, IFLA_MTU = 4;

    // Address attributes.
    public const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2;

    // Route attributes.
    public const ushort RTA_DST = 1, RTA_OIF = 4, RTA_METRICS = 8;

    /// <summary>Inside RTA_METRICS: the route's MTU.</summary>
    public const ushort RTAX_MTU = 2;

    public const byte AF_UNSPEC = 0, AF_INET = 2;

    /// <summary>Interface flags (net_device_flags).</summary>
    public const uint IFF_UP = 0x1, IFF_POINTOPOINT = 0x10, IFF_RUNNING = 0x40, IFF_NOARP = 0x80;

    public const byte RT_TABLE_MAIN = 254;
    /// <summary>Who installed a route: RTPROT_STATIC, an administrator's (here: the daemon's) route.</summary>
    public const byte RTPROT_STATIC = 4;
    public const byte RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_NOWHERE = 255;
    public const byte RTN_UNSPEC = 0, RTN_UNICAST = 1;

    /// <summary>IFNAMSIZ - 1: the longest interface name.</summary>
    public const int MaxInterfaceNameLength = 15;

    public static string MessageName(ushort type) => type switch
    {
        RTM_NEWLINK => "RTM_NEWLINK",
        RTM_DELLINK => "RTM_DELLINK",
        RTM_GETLINK => "RTM_GETLINK",
        RTM_NEWADDR => "RTM_NEWADDR",
        RTM_DELADDR => "RTM_DELADDR",
        RTM_NEWROUTE => "RTM_NEWROUTE",
        RTM_DELROUTE => "RTM_DELROUTE",
        _ => $"rtnetlink message {type}",
    };

    /// <summary>Throws unless <paramref name="name"/> could be a Linux interface name (1..15
    /// printable characters, no '/', no blank, not "." or ".."): names end up in netlink
    /// attributes and in /proc/sys paths.</summary>
    public static void ValidateInterfaceName(string name, string parameter = "name")
    {
        ArgumentNullException.ThrowIfNull(name, parameter);
        if (name.Length is 0 or > MaxInterfaceNameLength || name is "." or ".." ||
            name.Any(c => c is <= ' ' or > '~' or '/' or ':'))
            throw new ArgumentException($"not an interface name: '{name}'", parameter);
    }
}

/// <summary>A network interface as RTM_GETLINK reports it.</summary>
public sealed record LinkInfo(int Index, string Name, uint Flags, uint Mtu)
{
    public bool IsUp => (Flags & Rtnl.IFF_UP) != 0;
}
