using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Platform.Linux.Netlink;

/// <summary>
/// Typed attributes on top of <see cref="NetlinkMessageBuilder.AddAttribute"/> and
/// <see cref="NetlinkAttribute"/>: integers in host order (as the kernel's nla_put_u32 writes
/// them), strings NUL-terminated (as NLA_NUL_STRING / NLA_STRING policies accept them), IPv4
/// addresses in network order. Readers check the payload length and report false instead of
/// throwing: a reply is input like any other.
/// </summary>
public static class NetlinkAttributes
{
    public static void AddU8(this NetlinkMessageBuilder b, ushort type, byte value) => b.AddAttribute(type, 1)[0] = value;

    public static void AddU16(this NetlinkMessageBuilder b, ushort type, ushort value) =>
        BinaryPrimitives.WriteUInt16LittleEndian(b.AddAttribute(type, 2), value);

    public static void AddU32(this NetlinkMessageBuilder b, ushort type, uint value) =>
        BinaryPrimitives.WriteUInt32LittleEndian(b.AddAttribute(type, 4), value);

    public static void AddS32(this NetlinkMessageBuilder b, ushort type, int value) =>
        BinaryPrimitives.WriteInt32LittleEndian(b.AddAttribute(type, 4), value);

    /// <summary>An ASCII string with its terminating NUL (a name: family, interface).</summary>
    public static void AddString(this NetlinkMessageBuilder b, ushort type, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Any(c => c is < ' ' or > '~'))
            throw new ArgumentException($"not a printable ASCII name: {value}", nameof(value));
        var payload = b.AddAttribute(type, value.Length + 1);
        Encoding.ASCII.GetBytes(value, payload);
    }

    /// <summary>An IPv4 address, 4 bytes in network order.</summary>
    public static void AddIPv4(this NetlinkMessageBuilder b, ushort type, IPAddress address)
    {
        RequireIPv4(address, nameof(address));
        address.TryWriteBytes(b.AddAttribute(type, 4), out _);
    }

    /// <summary>The first attribute of <paramref name="type"/>; false when there is none.</summary>
    public static bool TryFind(this IReadOnlyList<NetlinkAttribute> attributes, ushort type, out NetlinkAttribute found)
    {
        foreach (var a in attributes)
        {
            if (a.Type == type)
            {
                found = a;
                return true;
            }
        }
        found = default;
        return false;
    }

    public static bool TryReadU8(this NetlinkAttribute a, out byte value)
    {
        value = a.Value.Length >= 1 ? a.Value.Span[0] : (byte)0;
        return a.Value.Length >= 1;
    }

    public static bool TryReadU16(this NetlinkAttribute a, out ushort value)
    {
        value = a.Value.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(a.Value.Span) : (ushort)0;
        return a.Value.Length >= 2;
    }

    public static bool TryReadU32(this NetlinkAttribute a, out uint value)
    {
        value = a.Value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(a.Value.Span) : 0;
        return a.Value.Length >= 4;
    }

    public static bool TryReadU64(this NetlinkAttribute a, out ulong value)
    {
        value = a.Value.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(a.Value.Span) : 0;
        return a.Value.Length >= 8;
    }

    /// <summary>A NUL-terminated (or unterminated) name, printable ASCII only.</summary>
    public static string ReadString(this NetlinkAttribute a) => NetlinkError.ReadCString(a.Value.Span);

    internal static void RequireIPv4(IPAddress address, string name)
    {
        ArgumentNullException.ThrowIfNull(address, name);
        if (address.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"{name}: only IPv4 addresses are supported ({address})", name);
    }
}
