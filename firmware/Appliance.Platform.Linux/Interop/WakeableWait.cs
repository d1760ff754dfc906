using System.Runtime.InteropServices;
using static Appliance.Platform.Linux.Interop.Libc;

namespace Appliance.Platform.Linux.Interop;

/// <summary>
/// A reader thread's wait for its fds that another thread can end at once: poll(2) over the fds
/// and an eventfd that <see cref="Wake"/> makes readable. A reader that waits so needs no
/// timeout to notice that it should stop or that its set of fds changed, so it sleeps until
/// there is work: no wake-ups while idle, which on a small board (and in the lab's emulated
/// CPU) is time the kernel's datapath gets instead.
/// </summary>
public sealed unsafe partial class WakeableWait : IDisposable
{
    private const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;
    private const int MaxFds = 8;
    private int _eventFd;

    private WakeableWait(int eventFd) => _eventFd = eventFd;

    public static WakeableWait Create()
    {
        int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0) throw new SyscallException("eventfd", Marshal.GetLastPInvokeError());
        return new WakeableWait(fd);
    }

    /// <summary>Ends the current <see cref="Wait"/>, or the next one if none is under way.
    /// Any thread; wakes that come together count as one.</summary>
    public void Wake()
    {
        int fd = _eventFd;
        if (fd < 0) return;
        ulong one = 1;
        _ = write(fd, (byte*)&one, sizeof(ulong)); // only fails when the counter is full: already awake
    }

    /// <summary>
    /// Blocks until one of <paramref name="fds"/> is readable (true) or <see cref="Wake"/> was
    /// called (false; the wake is used up). Negative entries are skipped. EINTR restarts it.
    /// </summary>
    public bool Wait(ReadOnlySpan<int> fds, string operation)
    {
        if (fds.Length > MaxFds) throw new ArgumentException($"at most {MaxFds} fds", nameof(fds));
        int eventFd = _eventFd >= 0 ? _eventFd : throw new ObjectDisposedException(nameof(WakeableWait));
        PollFd* set = stackalloc PollFd[MaxFds + 1];
        set[0] = new PollFd { Fd = eventFd, Events = POLLIN };
        for (int i = 0; i < fds.Length; i++) set[i + 1] = new PollFd { Fd = fds[i], Events = POLLIN };
        while (true)
        {
            int ready = poll(set, (nuint)(fds.Length + 1), -1);
            if (ready > 0) break;
            int errno = Marshal.GetLastPInvokeError();
            if (ready < 0 && errno != EINTR) throw new SyscallException($"poll({operation})", errno);
        }
        if ((set[0].Revents & POLLIN) != 0)
        {
            ulong count;
            _ = read(eventFd, (byte*)&count, sizeof(ulong)); // resets the counter: the wake is used up
            return false;
        }
        return true;
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _eventFd, -1);
        if (fd >= 0) _ = close(fd);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initial, int flags);
}
