using System.Runtime.InteropServices;

namespace Appliance.Platform.Linux.Netlink;

/// <summary>
/// The netlink-specific socket calls and numbers, which .NET's <see cref="System.Net.Sockets.Socket"/>
/// does not cover for AF_NETLINK (socket, setsockopt, poll and close are in
/// <see cref="Interop.Libc"/>). Blittable arguments only, so the source generator emits no marshalling.
/// </summary>
internal static unsafe partial class NetlinkSyscalls
{
    public const int AF_NETLINK = 16;
    public const int NETLINK_ROUTE = 0;
    public const int NETLINK_XFRM = 6;
    public const int NETLINK_GENERIC = 16;

    public const int SOL_NETLINK = 270;
    public const int NETLINK_ADD_MEMBERSHIP = 1;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_EXT_ACK = 11;

    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_TRUNC = 0x20;

    /// <summary><c>struct sockaddr_nl</c> (12 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint PortId;
        public uint Groups;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, SockAddrNl* address, int addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockname(int fd, SockAddrNl* address, int* addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendto(int fd, byte* buffer, nuint length, int flags, SockAddrNl* address, int addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recvfrom(int fd, byte* buffer, nuint length, int flags, SockAddrNl* address, int* addressLength);
}
