using System.Runtime.InteropServices;
using Appliance.Platform.Linux.Interop;
using static Appliance.Platform.Linux.Interop.Libc;

namespace Appliance.Platform.Linux.Ppp;

/// <summary>
/// A /dev/ppp handle attached to one ppp channel (PPPIOCATTCHAN): the PPP core writes every
/// control frame here and reads LCP and authentication here; the network control protocols
/// (IPCP and the like) too while no unit is connected, after that the unit hands them up
/// (<see cref="PppUnit.TryRead"/>). A frame is the PPP protocol field followed by the information field, without
/// address and control bytes (the L2TP channel adds FF 03 on send and strips it on receive).
/// Non-blocking: <see cref="TryRead"/> returns -1 when nothing is queued.
/// </summary>
public sealed unsafe class PppChannel : IDisposable
{
    private int _fd;

    private PppChannel(int fd, int index)
    {
        _fd = fd;
        Index = index;
    }

    /// <summary>The kernel's channel index (from <see cref="PppoL2tpSocket.GetChannelIndex"/>).</summary>
    public int Index { get; }

    /// <summary>The unit this channel is connected to, or -1.</summary>
    public int ConnectedUnit { get; private set; } = -1;

    /// <summary>The handle's file descriptor (for a caller's own poll loop).</summary>
    public int Fd => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(PppChannel));

    /// <summary>Opens /dev/ppp and attaches it to channel <paramref name="channelIndex"/>.
    /// ENXIO when no such channel exists.</summary>
    public static PppChannel Attach(int channelIndex)
    {
        int fd = DevPpp.Open($"channel {channelIndex}");
        try
        {
            DevPpp.IoctlInt(fd, PppIoctl.PPPIOCATTCHAN, channelIndex, $"PPPIOCATTCHAN(channel {channelIndex})");
            return new PppChannel(fd, channelIndex);
        }
        catch
        {
            _ = close(fd);
            throw;
        }
    }

    /// <summary>PPPIOCCONNECT: the channel's network-protocol frames now go to unit
    /// <paramref name="unit"/> (pppN); control frames keep coming here.</summary>
    public void ConnectTo(PppUnit unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        DevPpp.IoctlInt(Fd, PppIoctl.PPPIOCCONNECT, unit.Number, $"PPPIOCCONNECT(channel {Index} -> {unit.InterfaceName})");
        ConnectedUnit = unit.Number;
    }

    /// <summary>PPPIOCDISCONN: detaches the channel from its unit (first step of a teardown).</summary>
    public void Disconnect()
    {
        if (ioctl(Fd, PppIoctl.PPPIOCDISCONN, null) != 0)
            throw new SyscallException($"PPPIOCDISCONN(channel {Index})", Marshal.GetLastPInvokeError());
        ConnectedUnit = -1;
    }

    /// <summary>Sends one frame (protocol field first). False when the channel cannot take it now
    /// (EAGAIN: its queue is full); the PPP core retransmits control frames anyway.</summary>
    public bool TryWrite(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 2)
            throw new ArgumentException("a PPP frame starts with its 2-byte protocol field", nameof(frame));
        while (true)
        {
            nint written;
            fixed (byte* p = frame)
                written = write(Fd, p, (nuint)frame.Length);
            if (written == frame.Length)
                return true;
            int errno = written < 0 ? Marshal.GetLastPInvokeError() : Netlink.Errno.EMSGSIZE;
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return false;
            throw new SyscallException($"write(ppp channel {Index})", errno);
        }
    }

    /// <summary>Reads one frame into <paramref name="buffer"/>: its length, or -1 when none is
    /// queued. A frame longer than the buffer is cut to it (size the buffer for the MRU + 2).</summary>
    public int TryRead(Span<byte> buffer) => Libc.TryRead(Fd, buffer, $"ppp channel {Index}");

    /// <summary>Waits until a frame is queued (true) or <paramref name="timeout"/> passes (false).</summary>
    public bool WaitReadable(TimeSpan timeout) => Libc.WaitReadable(Fd, timeout, $"ppp channel {Index}");

    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = close(_fd);
            _fd = -1;
        }
    }
}
