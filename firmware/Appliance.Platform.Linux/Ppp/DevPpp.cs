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

    /// <summary>Reads one frame from a non-blocking channel or unit fd: its length, or -1 when
    /// none is queued. A frame longer than the buffer is cut to it.</summary>
    public static int TryReadFrame(int fd, Span<byte> buffer, string what)
    {
        while (true)
        {
            nint read;
            fixed (byte* p = buffer)
                read = Libc.read(fd, p, (nuint)buffer.Length);
            if (read >= 0)
                return (int)read;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return -1;
            throw new SyscallException($"read({what})", errno);
        }
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
