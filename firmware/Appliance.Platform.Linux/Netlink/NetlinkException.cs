using ErrnoTable = Appliance.Platform.Linux.Netlink.Errno;

namespace Appliance.Platform.Linux.Netlink;

/// <summary>
/// A netlink request the kernel refused (its NLMSG_ERROR code), or a socket call that failed.
/// The message names the operation, the errno by name and text, and the kernel's extended-ACK
/// text when it sent one: "XFRM_MSG_NEWSA: EPROTONOSUPPORT (Protocol not supported)".
/// </summary>
public sealed class NetlinkException : IOException
{
    public NetlinkException(string operation, int errno, string? kernelMessage = null)
        : base(Format(operation, errno, kernelMessage))
    {
        Operation = operation;
        Errno = errno;
        KernelMessage = kernelMessage;
    }

    /// <summary>What was attempted ("XFRM_MSG_NEWSA", "socket(AF_NETLINK)").</summary>
    public string Operation { get; }

    /// <summary>The positive errno value (3 for ESRCH).</summary>
    public int Errno { get; }

    public string ErrnoName => ErrnoTable.Name(Errno);

    /// <summary>The kernel's extended-ACK text (NLMSGERR_ATTR_MSG), when present.</summary>
    public string? KernelMessage { get; }

    private static string Format(string operation, int errno, string? kernelMessage) =>
        $"{operation}: {ErrnoTable.Name(errno)} ({ErrnoTable.Describe(errno)})" +
        (string.IsNullOrEmpty(kernelMessage) ? "" : $": {kernelMessage}");
}
