using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Appliance.Platform.Linux.Tests.Tun;

/// <summary>
/// Runs a test body on its own thread inside a fresh network namespace (unshare(CLONE_NEWNET) of
/// that thread only): sockets, netlink requests and TUN devices it creates live there and vanish
/// with it, so the machine's own network is never touched. Needs CAP_SYS_ADMIN: as root a failed
/// unshare fails the test; otherwise the body is skipped (false).
/// </summary>
internal static partial class IsolatedNetwork
{
    private const int CLONE_NEWNET = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unshare(int flags);

    public static bool Run(Action body)
    {
        Exception? failure = null;
        bool ran = false;
        var thread = new Thread(() =>
        {
            if (unshare(CLONE_NEWNET) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (Environment.UserName == "root")
                    failure = new SyscallException("unshare(CLONE_NEWNET)", errno);
                return; // EPERM: not root, nothing to test here
            }
            ran = true;
            try { body(); }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
            ExceptionDispatchInfo.Capture(failure).Throw();
        return ran;
    }
}
