using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Services.Config.Values;

/// <summary>Strict dotted-quad IPv4 parsing: IPAddress.TryParse alone accepts "10" or "10.1" as
/// shorthand forms, which an admin typing an address never means.</summary>
public static class Ipv4
{
    public static bool TryParse(string text, out uint address)
    {
        address = 0;
        if (text.Count(c => c == '.') != 3) return false;
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork) return false;
        address = BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());
        return true;
    }

    public static string Format(uint address) =>
        $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}";

    public static IPAddress ToIPAddress(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes);
    }

    /// <summary>An IPv4 address as a number (IPv4-mapped IPv6 accepted).</summary>
    public static uint FromIPAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetwork) throw new ArgumentException($"{address} is not IPv4", nameof(address));
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>Addresses that can never be a host on the box's networks.</summary>
    public static string? RejectSpecial(uint address)
    {
        byte first = (byte)(address >> 24);
        if (first == 0) return "addresses in 0.0.0.0/8 cannot be used";
        if (first == 127) return "loopback addresses cannot be used";
        if (first >= 224) return "multicast and reserved addresses cannot be used";
        if ((address & 0xffff0000) == 0xa9fe0000) return "link-local addresses cannot be used";
        return null;
    }
}
