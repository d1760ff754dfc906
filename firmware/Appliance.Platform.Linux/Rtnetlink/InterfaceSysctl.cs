using System.Runtime.InteropServices;
using System.Text;
using static Appliance.Platform.Linux.Interop.Libc;

namespace Appliance.Platform.Linux.Rtnetlink;

/// <summary>
/// Per-interface IPv4 settings under /proc/sys/net/ipv4/conf/IFNAME/ (of the calling thread's
/// network namespace). Proxy ARP on the LAN interface makes the box answer ARP for the addresses
/// it gave VPN clients, so LAN hosts reach them without routes of their own. Plain open/read/write
/// syscalls, so a failure carries the kernel's errno (ENOENT: no such interface).
/// </summary>
public static unsafe class InterfaceSysctl
{
    private const string Root = "/proc/sys/net/ipv4/conf";
    private const int O_RDONLY = 0, O_WRONLY = 1;

    public static void SetProxyArp(string interfaceName, bool enabled) => Write(interfaceName, "proxy_arp", enabled ? "1\n" : "0\n");

    public static bool GetProxyArp(string interfaceName) => Read(interfaceName, "proxy_arp") != "0";

    /// <summary>disable_xfrm: routes out through the interface skip the XFRM policy lookup (the
    /// kernel marks them DST_NOXFRM). For a ppp unit of the kernel L2TP datapath: what the box
    /// sends a client travels inside its L2TP, whose own socket takes the client's SA, so the
    /// lookup on the unit can never find anything, yet with any outbound policy in the database
    /// the kernel would do it for every packet.</summary>
    public static void SetDisableXfrm(string interfaceName, bool disabled) => Write(interfaceName, "disable_xfrm", disabled ? "1\n" : "0\n");

    public static bool GetDisableXfrm(string interfaceName) => Read(interfaceName, "disable_xfrm") != "0";

    private static string PathOf(string interfaceName, string key)
    {
        Rtnl.ValidateInterfaceName(interfaceName, nameof(interfaceName));
        return $"{Root}/{interfaceName}/{key}";
    }

    private static void Write(string interfaceName, string key, string value)
    {
        string path = PathOf(interfaceName, key);
        int fd = Open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            throw new SyscallException($"open({path})", Marshal.GetLastPInvokeError());
        try
        {
            byte[] bytes = Encoding.ASCII.GetBytes(value);
            nint written;
            fixed (byte* p = bytes)
                written = write(fd, p, (nuint)bytes.Length);
            if (written != bytes.Length)
                throw new SyscallException($"write({path}, {value.Trim()})", written < 0 ? Marshal.GetLastPInvokeError() : Netlink.Errno.EINVAL);
        }
        finally
        {
            _ = close(fd);
        }
    }

    private static string Read(string interfaceName, string key)
    {
        string path = PathOf(interfaceName, key);
        int fd = Open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            throw new SyscallException($"open({path})", Marshal.GetLastPInvokeError());
        try
        {
            var buffer = new byte[64];
            nint n;
            fixed (byte* p = buffer)
                n = read(fd, p, (nuint)buffer.Length);
            if (n < 0)
                throw new SyscallException($"read({path})", Marshal.GetLastPInvokeError());
            return Encoding.ASCII.GetString(buffer, 0, (int)n).Trim();
        }
        finally
        {
            _ = close(fd);
        }
    }
}
