using System.Runtime.InteropServices;

namespace Appliance.Platform.Linux.Interop;

/// <summary>The libc calls .NET's Socket does not cover (netlink families). One declaration per
/// call, blittable arguments only, so the source generator needs no marshalling code.</summary>
internal static partial class Libc
{
    public const int AF_NETLINK = 16;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);
}
