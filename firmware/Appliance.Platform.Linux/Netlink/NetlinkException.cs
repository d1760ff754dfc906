namespace Appliance.Platform.Linux.Netlink;

/// <summary>
/// A netlink request the kernel refused (its NLMSG_ERROR code), or a socket call that failed.
/// The message names the operation, the errno by name and text, and the kernel's extended-ACK
/// text when it sent one: "XFRM_MSG_NEWSA: EPROTONOSUPPORT (Protocol not supported)".
/// </summary>
public sealed class NetlinkException : SyscallException
{
    public NetlinkException(string operation, int errno, string? kernelMessage = null)
        : base(operation, errno, kernelMessage)
    {
        KernelMessage = kernelMessage;
    }

    /// <summary>The kernel's extended-ACK text (NLMSGERR_ATTR_MSG), when present.</summary>
    public string? KernelMessage { get; }
}
