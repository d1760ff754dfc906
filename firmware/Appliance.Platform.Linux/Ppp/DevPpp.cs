using System.Runtime.InteropServices;
using Appliance.Platform.Linux.Interop;
using static Appliance.Platform.Linux.Interop.Libc;

namespace Appliance.Platform.Linux.Ppp;

/// <summary>/dev/ppp, the generic ppp layer's control device: each open file becomes either a
/// channel handle (PPPIOCATTCHAN) or a unit handle (PPPIOCNEWUNIT).</summary>
internal static unsafe class DevPpp
{
    public const string Path = "/dev/ppp";

    /// <summary>A fresh non-blocking /dev/ppp fd (ENOENT: no ppp_generic in this kernel).</summary>
    public static int Open(string purpose)
    {
        int fd = Libc.Open(Path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            throw new SyscallException($"open({Path}) for {purpose}", Marshal.GetLastPInvokeError());
        return fd;
    }

    /// <summary>ioctl with an int argument in and (for the _IOWR/_IOR ones) out.</summary>
    public static int IoctlInt(int fd, uint request, int value, string operation)
    {
        int arg = value;
        if (ioctl(fd, request, &arg) != 0)
            throw new SyscallException(operation, Marshal.GetLastPInvokeError());
        return arg;
    }
}
