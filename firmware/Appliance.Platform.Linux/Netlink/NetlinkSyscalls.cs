using System.Runtime.InteropServices;

namespace Appliance.Platform.Linux.Netlink;

/// <summary>
/// The socket syscalls a netlink socket needs, which .NET's <see cref="System.Net.Sockets.Socket"/>
/// does not cover for AF_NETLINK. One declaration per call, blittable arguments only (pointers,
/// integers and a sequential struct of integers), so the source generator emits no marshalling.
/// </summary>
internal static unsafe partial class NetlinkSyscalls
{
    public const int AF_NETLINK = 16;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int NETLINK_XFRM = 6;

    public const int SOL_NETLINK = 270;
    public const int NETLINK_ADD_MEMBERSHIP = 1;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_EXT_ACK = 11;

    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_TRUNC = 0x20;

    public const short POLLIN = 0x1;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENOBUFS = 105;

    /// <summary><c>struct sockaddr_nl</c> (12 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint PortId;
        public uint Groups;
    }

    /// <summary><c>struct pollfd</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, SockAddrNl* address, int addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockname(int fd, SockAddrNl* address, int* addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, int valueLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendto(int fd, byte* buffer, nuint length, int flags, SockAddrNl* address, int addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recvfrom(int fd, byte* buffer, nuint length, int flags, SockAddrNl* address, int* addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);
}
