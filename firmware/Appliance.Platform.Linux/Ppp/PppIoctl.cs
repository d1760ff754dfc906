namespace Appliance.Platform.Linux.Ppp;

/// <summary>
/// The ioctl numbers of linux/ppp-ioctl.h, built the way asm-generic/ioctl.h builds them
/// (direction in bits 30-31, argument size in 16-29, type 't' in 8-15, number in 0-7; the same
/// on x86_64 and arm64), and the protocol numbers the adapter needs.
/// </summary>
internal static class PppIoctl
{
    private const uint None = 0, Write = 1, Read = 2;
    private const uint Type = 't';

    private static uint Ioc(uint direction, uint number, uint size) => (direction << 30) | (size << 16) | (Type << 8) | number;

    /// <summary>On a PPPoX socket: the kernel's index of its ppp channel (and marks the socket bound).</summary>
    public static readonly uint PPPIOCGCHAN = Ioc(Read, 55, sizeof(int));
    /// <summary>On a /dev/ppp fd: attach it to channel N (the fd then reads and writes that channel's control frames).</summary>
    public static readonly uint PPPIOCATTCHAN = Ioc(Write, 56, sizeof(int));
    /// <summary>On a channel fd: detach the channel from its unit.</summary>
    public static readonly uint PPPIOCDISCONN = Ioc(None, 57, 0);
    /// <summary>On a channel fd: connect the channel to unit N (pppN).</summary>
    public static readonly uint PPPIOCCONNECT = Ioc(Write, 58, sizeof(int));
    /// <summary>On a /dev/ppp fd: create a unit (pppN); in: wanted N or -1, out: N.</summary>
    public static readonly uint PPPIOCNEWUNIT = Ioc(Read | Write, 62, sizeof(int));
    /// <summary>On a unit fd: what to do with one network protocol's packets (struct npioctl).</summary>
    public static readonly uint PPPIOCSNPMODE = Ioc(Write, 75, NpIoctlSize);
    public static readonly uint PPPIOCGNPMODE = Ioc(Read | Write, 76, NpIoctlSize);
    /// <summary>On a unit fd: the largest frame it accepts.</summary>
    public static readonly uint PPPIOCSMRU = Ioc(Write, 82, sizeof(int));
    /// <summary>On a unit fd: its number N.</summary>
    public static readonly uint PPPIOCGUNIT = Ioc(Read, 86, sizeof(int));

    /// <summary><c>struct npioctl { int protocol; enum NPmode mode; }</c>.</summary>
    public const int NpIoctlSize = 8;

    /// <summary>AF_PPPOX and its L2TP protocol (linux/if_pppox.h).</summary>
    public const int AF_PPPOX = 24, PX_PROTO_OL2TP = 1;

    /// <summary>Socket options of a PPPoL2TP session socket (linux/if_pppol2tp.h, level SOL_PPPOL2TP).</summary>
    public const int SOL_PPPOL2TP = 273, PPPOL2TP_SO_LNSMODE = 4;
}

/// <summary>What a ppp unit does with the packets of one network protocol (enum NPmode).</summary>
public enum PppNetworkMode
{
    /// <summary>Send and receive: the protocol's control protocol (IPCP) is open.</summary>
    Pass = 0,
    /// <summary>Drop silently.</summary>
    Drop = 1,
    /// <summary>Drop and report an error to the sender.</summary>
    Error = 2,
    /// <summary>Hold outgoing packets until the mode changes.</summary>
    Queue = 3,
}

/// <summary>PPP protocol numbers of the network protocols a unit carries (RFC 1661 §2, assigned numbers).</summary>
public static class PppProtocol
{
    public const ushort IPv4 = 0x0021;
    public const ushort IPv6 = 0x0057;
}
