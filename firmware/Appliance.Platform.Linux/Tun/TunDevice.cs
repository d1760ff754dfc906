using System.Runtime.InteropServices;
using System.Text;
using Appliance.Platform.Linux.Interop;
using Appliance.Platform.Linux.Rtnetlink;
using static Appliance.Platform.Linux.Interop.Libc;

namespace Appliance.Platform.Linux.Tun;

/// <summary>
/// A TUN device for the userspace datapath: /dev/net/tun with TUNSETIFF(IFF_TUN | IFF_NO_PI), so
/// each read returns one IP packet as the kernel routed it to the interface and each write
/// injects one IP packet as if it had arrived on it, with no packet-information header. The fd is
/// non-blocking: <see cref="TryRead"/> returns -1 when nothing is queued. The interface lives in
/// the calling thread's network namespace and disappears when the device is disposed (it is not
/// made persistent). Addresses, state and routes go through <see cref="RtnetlinkSocket"/>.
/// </summary>
public sealed unsafe class TunDevice : IDisposable
{
    public const string ClonePath = "/dev/net/tun";

    private const short IFF_TUN = 0x0001, IFF_NO_PI = 0x1000;
    /// <summary>TUNSETIFF = _IOW('T', 202, int).</summary>
    private const uint TUNSETIFF = 0x400454ca;
    /// <summary>sizeof(struct ifreq): the name (IFNAMSIZ = 16) and a 24-byte union whose first member here is the flags.</summary>
    private const int IfReqSize = 40;

    private int _fd;

    private TunDevice(int fd, string name)
    {
        _fd = fd;
        Name = name;
    }

    /// <summary>The interface's name (the kernel's choice, tunN, when none was asked for).</summary>
    public string Name { get; }

    public int Fd => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(TunDevice));

    /// <summary>Creates the interface <paramref name="name"/> (null: the kernel picks tunN).
    /// EBUSY when a non-TUN interface has that name; EPERM without CAP_NET_ADMIN.</summary>
    public static TunDevice Open(string? name = null)
    {
        if (name is not null)
            Rtnl.ValidateInterfaceName(name, nameof(name));
        int fd = Libc.Open(ClonePath, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            throw new SyscallException($"open({ClonePath})", Marshal.GetLastPInvokeError());
        try
        {
            byte* ifr = stackalloc byte[IfReqSize];
            new Span<byte>(ifr, IfReqSize).Clear();
            if (name is not null)
                Encoding.ASCII.GetBytes(name, new Span<byte>(ifr, Rtnl.MaxInterfaceNameLength));
            *(short*)(ifr + 16) = IFF_TUN | IFF_NO_PI;
            if (ioctl(fd, TUNSETIFF, ifr) != 0)
                throw new SyscallException($"TUNSETIFF({name ?? "tun%d"}, IFF_TUN | IFF_NO_PI)", Marshal.GetLastPInvokeError());
            // The kernel writes the interface's actual name back into ifr_name.
            var assigned = new ReadOnlySpan<byte>(ifr, 16);
            int end = assigned.IndexOf((byte)0);
            return new TunDevice(fd, Encoding.ASCII.GetString(end < 0 ? assigned : assigned[..end]));
        }
        catch
        {
            _ = close(fd);
            throw;
        }
    }

    /// <summary>Reads one IP packet: its length, or -1 when none is queued. A packet longer than
    /// the buffer is cut to it (size the buffer for the interface's MTU).</summary>
    public int TryRead(Span<byte> buffer) => Libc.TryRead(Fd, buffer, Name);

    /// <summary>Injects one IP packet. False when the kernel cannot take it now (EAGAIN).</summary>
    public bool TryWrite(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
            throw new ArgumentException("an IP packet is not empty", nameof(packet));
        while (true)
        {
            nint n;
            fixed (byte* p = packet)
                n = write(Fd, p, (nuint)packet.Length);
            if (n == packet.Length)
                return true;
            int errno = n < 0 ? Marshal.GetLastPInvokeError() : Netlink.Errno.EMSGSIZE;
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return false;
            throw new SyscallException($"write({Name}, {packet.Length} bytes)", errno);
        }
    }

    /// <summary>Waits until a packet is queued (true) or <paramref name="timeout"/> passes (false).</summary>
    public bool WaitReadable(TimeSpan timeout) => Libc.WaitReadable(Fd, timeout, Name);

    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = close(_fd);
            _fd = -1;
        }
    }
}
