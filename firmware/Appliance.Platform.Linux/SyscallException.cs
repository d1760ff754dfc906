using Appliance.Platform.Linux.Netlink;

namespace Appliance.Platform.Linux;

/// <summary>
/// A system call the kernel refused: the message names the operation and the errno by name and
/// text, "PPPIOCATTCHAN(channel 7): ENXIO (No such device or address)". Every adapter in this
/// assembly reports a failed syscall this way (netlink refusals as the derived
/// <see cref="NetlinkException"/>), so a caller can catch one type and log one clear line.
/// </summary>
public class SyscallException : IOException
{
    public SyscallException(string operation, int errno, string? detail = null)
        : base(Format(operation, errno, detail))
    {
        Operation = operation;
        Errno = errno;
    }

    /// <summary>What was attempted ("socket(AF_PPPOX)", "TUNSETIFF(tun0)").</summary>
    public string Operation { get; }

    /// <summary>The positive errno value (19 for ENODEV).</summary>
    public int Errno { get; }

    public string ErrnoName => Netlink.Errno.Name(Errno);

    private static string Format(string operation, int errno, string? detail) =>
        $"{operation}: {Netlink.Errno.Name(errno)} ({Netlink.Errno.Describe(errno)})" +
        (string.IsNullOrEmpty(detail) ? "" : $": {detail}");
}
