using System.Buffers.Binary;
using System.Runtime.InteropServices;
using static Appliance.Platform.Linux.Interop.Libc;

namespace Appliance.Platform.Linux.Ppp;

/// <summary>
/// A ppp unit: the network interface pppN that carries a link's IP packets once a channel is
/// connected to it. Created in the calling thread's network namespace; disposing the handle
/// (the unit's owner) removes the interface.
/// </summary>
public sealed unsafe class PppUnit : IDisposable
{
    private int _fd;

    private PppUnit(int fd, int number)
    {
        _fd = fd;
        Number = number;
    }

    /// <summary>N of pppN.</summary>
    public int Number { get; }

    /// <summary>"pppN": the kernel names units so.</summary>
    public string InterfaceName => $"ppp{Number}";

    public int Fd => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(PppUnit));

    /// <summary>PPPIOCNEWUNIT: a new unit, numbered <paramref name="number"/> or (-1) the lowest
    /// free one. EEXIST when that number is taken.</summary>
    public static PppUnit Create(int number = -1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, -1);
        int fd = DevPpp.Open("a new unit");
        try
        {
            int assigned = DevPpp.IoctlInt(fd, PppIoctl.PPPIOCNEWUNIT, number, $"PPPIOCNEWUNIT({(number < 0 ? "any" : number)})");
            return new PppUnit(fd, assigned);
        }
        catch
        {
            _ = close(fd);
            throw;
        }
    }

    /// <summary>Reads one frame the unit hands up instead of the network: the frames of
    /// network control protocols (IPCP, IPV6CP, CCP) that arrive once the channel is connected
    /// to it. Its length, or -1 when none is queued; protocol field first, like a channel's.</summary>
    public int TryRead(Span<byte> buffer) => Interop.Libc.TryRead(Fd, buffer, InterfaceName);

    /// <summary>PPPIOCSMRU: the largest frame the unit accepts (what LCP negotiated).</summary>
    public void SetMru(int mru)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mru, 128);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mru, 65535);
        DevPpp.IoctlInt(Fd, PppIoctl.PPPIOCSMRU, mru, $"PPPIOCSMRU({InterfaceName}, {mru})");
    }

    /// <summary>PPPIOCSNPMODE: what the unit does with <paramref name="protocol"/>'s packets
    /// (<see cref="PppNetworkMode.Pass"/> once IPCP is open).</summary>
    public void SetNetworkMode(ushort protocol, PppNetworkMode mode)
    {
        Span<byte> np = stackalloc byte[PppIoctl.NpIoctlSize];
        BinaryPrimitives.WriteInt32LittleEndian(np, protocol);
        BinaryPrimitives.WriteInt32LittleEndian(np[4..], (int)mode);
        fixed (byte* p = np)
        {
            if (ioctl(Fd, PppIoctl.PPPIOCSNPMODE, p) != 0)
                throw new SyscallException($"PPPIOCSNPMODE({InterfaceName}, 0x{protocol:x4}, {mode})", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>PPPIOCGNPMODE: the current mode for <paramref name="protocol"/>.</summary>
    public PppNetworkMode GetNetworkMode(ushort protocol)
    {
        Span<byte> np = stackalloc byte[PppIoctl.NpIoctlSize];
        BinaryPrimitives.WriteInt32LittleEndian(np, protocol);
        fixed (byte* p = np)
        {
            if (ioctl(Fd, PppIoctl.PPPIOCGNPMODE, p) != 0)
                throw new SyscallException($"PPPIOCGNPMODE({InterfaceName}, 0x{protocol:x4})", Marshal.GetLastPInvokeError());
        }
        return (PppNetworkMode)BinaryPrimitives.ReadInt32LittleEndian(np[4..]);
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = close(_fd);
            _fd = -1;
        }
    }
}
