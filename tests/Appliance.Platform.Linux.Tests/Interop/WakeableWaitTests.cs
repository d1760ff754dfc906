using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Appliance.Platform.Linux.Interop;

namespace Appliance.Platform.Linux.Tests.Interop;

/// <summary>A reader blocked without a timeout ends its wait when an fd becomes readable or when
/// another thread wakes it, and not otherwise.</summary>
public class WakeableWaitTests
{
    [Fact]
    public async Task Wake_ends_a_wait_that_has_no_timeout()
    {
        using var wait = WakeableWait.Create();
        using var quiet = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        quiet.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int fd = (int)quiet.SafeHandle.DangerousGetHandle();
        var waiting = Task.Factory.StartNew(() => wait.Wait([fd], "test"), TaskCreationOptions.LongRunning);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted); // nothing readable, nobody woke it: still asleep
        var clock = Stopwatch.StartNew();
        wait.Wake();
        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_readable_fd_ends_the_wait_and_a_wake_before_the_wait_is_not_lost()
    {
        using var wait = WakeableWait.Create();
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.SendTo([1], receiver.LocalEndPoint!);
        int fd = (int)receiver.SafeHandle.DangerousGetHandle();
        Assert.True(wait.Wait([-1, fd], "test")); // a negative entry (no unit yet) is skipped

        wait.Wake();
        wait.Wake(); // two wakes before the wait count as one
        Assert.False(wait.Wait([fd], "test"));
        Assert.True(wait.Wait([fd], "test")); // the datagram is still there; the wake is used up
    }
}
