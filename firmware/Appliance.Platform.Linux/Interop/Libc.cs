using System.Runtime.InteropServices;

namespace Appliance.Platform.Linux.Interop;

/// <summary>
/// The libc calls the adapters share (sockets that .NET's <see cref="System.Net.Sockets.Socket"/>
/// cannot express, character devices, ioctls). Blittable arguments only, so the source generator
/// emits no marshalling. Numbers are the generic Linux ABI, the same on x86_64 and arm64.
/// </summary>
internal static unsafe partial class Libc
{
    public const int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3;
    public const int SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;

    public const int O_RDWR = 0x2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;

    public const int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_REUSEPORT = 15;

    public const short POLLIN = 0x1, POLLOUT = 0x4;

    public const int EINTR = 4, EAGAIN = 11, ENOBUFS = 105;

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
    public static partial int connect(int fd, byte* address, int addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, int valueLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static partial int open(byte* path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nuint count);

    /// <summary><c>ioctl(fd, request, arg)</c>. The C prototype is variadic; on Linux x86_64 and
    /// arm64 a variadic pointer argument travels exactly like a fixed one, so a fixed
    /// three-argument declaration is the same call.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, void* arg);

    /// <summary>open(2) with a managed path (NUL-terminated here). Returns the fd or -1 with errno set.</summary>
    public static int Open(string path, int flags)
    {
        int length = System.Text.Encoding.UTF8.GetByteCount(path);
        Span<byte> bytes = length < 512 ? stackalloc byte[length + 1] : new byte[length + 1];
        System.Text.Encoding.UTF8.GetBytes(path, bytes);
        bytes[length] = 0;
        fixed (byte* p = bytes)
            return open(p, flags);
    }

    /// <summary>Reads once from a non-blocking fd that hands out whole packets or frames (TUN,
    /// /dev/ppp): the length, or -1 when nothing is queued. Longer ones are cut to the buffer.</summary>
    public static int TryRead(int fd, Span<byte> buffer, string what)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = buffer)
                n = read(fd, p, (nuint)buffer.Length);
            if (n >= 0)
                return (int)n;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return -1;
            throw new SyscallException($"read({what})", errno);
        }
    }

    /// <summary>Waits until <paramref name="fd"/> is readable (true) or the timeout passes (false).
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits for ever; EINTR restarts the wait.</summary>
    public static bool WaitReadable(int fd, TimeSpan timeout, string operation)
    {
        long deadline = timeout == Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : Environment.TickCount64 + (long)Math.Max(0, timeout.TotalMilliseconds);
        while (true)
        {
            int wait = deadline == long.MaxValue ? -1 : (int)Math.Clamp(deadline - Environment.TickCount64, 0, int.MaxValue);
            var pfd = new PollFd { Fd = fd, Events = POLLIN };
            int ready = poll(&pfd, 1, wait);
            if (ready > 0)
                return true;
            if (ready == 0)
                return false;
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
                throw new SyscallException($"poll({operation})", errno);
        }
    }
}
