using System.Runtime.InteropServices;

namespace Appliance.Platform.Linux.Netlink;

/// <summary>Linux errno values (the generic table shared by x86_64 and arm64) as their names.</summary>
public static class Errno
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, ENXIO = 6, EBADF = 9, EAGAIN = 11,
        ENOMEM = 12, EBUSY = 16, EEXIST = 17, ENODEV = 19, EINVAL = 22, ENOTTY = 25, ENOSYS = 38,
        EBADR = 53, EPROTOTYPE = 91, EPROTONOSUPPORT = 93, EOPNOTSUPP = 95, EAFNOSUPPORT = 97,
        EADDRINUSE = 98, EBADMSG = 74, EMSGSIZE = 90, ENOBUFS = 105, ENOTCONN = 107, ETIMEDOUT = 110;

    private static readonly Dictionary<int, string> Names = new()
    {
        [1] = "EPERM", [2] = "ENOENT", [3] = "ESRCH", [4] = "EINTR", [5] = "EIO", [6] = "ENXIO",
        [7] = "E2BIG", [9] = "EBADF", [11] = "EAGAIN", [12] = "ENOMEM", [13] = "EACCES",
        [14] = "EFAULT", [16] = "EBUSY", [17] = "EEXIST", [19] = "ENODEV", [20] = "ENOTDIR",
        [22] = "EINVAL", [23] = "ENFILE", [24] = "EMFILE", [25] = "ENOTTY", [28] = "ENOSPC", [32] = "EPIPE",
        [34] = "ERANGE", [38] = "ENOSYS", [42] = "ENOMSG", [53] = "EBADR", [61] = "ENODATA", [71] = "EPROTO",
        [74] = "EBADMSG", [75] = "EOVERFLOW", [88] = "ENOTSOCK", [90] = "EMSGSIZE",
        [91] = "EPROTOTYPE", [92] = "ENOPROTOOPT", [93] = "EPROTONOSUPPORT",
        [94] = "ESOCKTNOSUPPORT", [95] = "EOPNOTSUPP", [96] = "EPFNOSUPPORT",
        [97] = "EAFNOSUPPORT", [98] = "EADDRINUSE", [99] = "EADDRNOTAVAIL", [100] = "ENETDOWN",
        [101] = "ENETUNREACH", [104] = "ECONNRESET", [105] = "ENOBUFS", [107] = "ENOTCONN",
        [110] = "ETIMEDOUT", [111] = "ECONNREFUSED", [113] = "EHOSTUNREACH", [114] = "EALREADY",
        [115] = "EINPROGRESS", [126] = "ENOKEY", [127] = "EKEYEXPIRED",
    };

    /// <summary>"ESRCH" for 3; "errno N" for a value not in the table.</summary>
    public static string Name(int errno) => Names.TryGetValue(errno, out var name) ? name : $"errno {errno}";

    /// <summary>The C library's text for the error ("No such process").</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
