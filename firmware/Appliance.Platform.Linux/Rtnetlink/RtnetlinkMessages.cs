using System.Buffers.Binary;
using System.Net;
using Appliance.Platform.Linux.Netlink;

namespace Appliance.Platform.Linux.Rtnetlink;

/// <summary>
/// Byte layouts of the few rtnetlink requests the box needs (links, IPv4 addresses, host routes)
/// and of the link reply, with no socket. Integers in host order, addresses in network order.
/// </summary>
public static class RtnetlinkMessages
{
    private const ushort RequestAck = NetlinkHeader.NLM_F_REQUEST | NetlinkHeader.NLM_F_ACK;
    private const ushort Create = RequestAck | NetlinkHeader.NLM_F_CREATE | NetlinkHeader.NLM_F_EXCL;

    /// <summary>RTM_GETLINK of one interface by name (ifindex 0 + IFLA_IFNAME): answered with one RTM_NEWLINK.</summary>
    public static byte[] GetLink(string name, uint sequence)
    {
        Rtnl.ValidateInterfaceName(name);
        var b = new NetlinkMessageBuilder(Rtnl.RTM_GETLINK, NetlinkHeader.NLM_F_REQUEST, sequence, Rtnl.IfInfoMsgSize);
        b.AddString(Rtnl.IFLA_IFNAME, name);
        return b.ToArray();
    }

    /// <summary>RTM_GETLINK by index.</summary>
    public static byte[] GetLink(int index, uint sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        var b = new NetlinkMessageBuilder(Rtnl.RTM_GETLINK, NetlinkHeader.NLM_F_REQUEST, sequence, Rtnl.IfInfoMsgSize);
        BinaryPrimitives.WriteInt32LittleEndian(b.Fixed[4..], index);
        return b.ToArray();
    }

    /// <summary>
    /// RTM_NEWLINK on an existing interface (no NLM_F_CREATE: ENODEV when it does not exist),
    /// found by <paramref name="index"/> or, when that is 0, by <paramref name="name"/>:
    /// <paramref name="up"/> sets or clears IFF_UP (ifi_change = IFF_UP; null leaves it),
    /// <paramref name="mtu"/> sets IFLA_MTU.
    /// </summary>
    public static byte[] SetLink(int index, string? name, bool? up, uint? mtu, uint sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (index == 0)
            Rtnl.ValidateInterfaceName(name!, nameof(name));
        var b = new NetlinkMessageBuilder(Rtnl.RTM_NEWLINK, RequestAck, sequence, Rtnl.IfInfoMsgSize);
        var info = b.Fixed;
        // family (0) AF_UNSPEC, type (2) 0.
        BinaryPrimitives.WriteInt32LittleEndian(info[4..], index);
        if (up is { } u)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(info[8..], u ? Rtnl.IFF_UP : 0);
            BinaryPrimitives.WriteUInt32LittleEndian(info[12..], Rtnl.IFF_UP);
        }
        if (index == 0)
            b.AddString(Rtnl.IFLA_IFNAME, name!);
        if (mtu is { } m)
            b.AddU32(Rtnl.IFLA_MTU, m);
        return b.ToArray();
    }

    /// <summary>RTM_NEWADDR (or RTM_DELADDR): <paramref name="local"/> on interface
    /// <paramref name="index"/>, with <paramref name="peer"/> as the other end of a point-to-point
    /// link (IFA_ADDRESS; the kernel then routes peer/<paramref name="prefixLength"/> through the
    /// interface), or without a peer an ordinary address (IFA_ADDRESS = IFA_LOCAL).</summary>
    public static byte[] Address(bool add, int index, IPAddress local, IPAddress? peer, byte prefixLength, uint sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        NetlinkAttributes.RequireIPv4(local, nameof(local));
        if (peer is not null)
            NetlinkAttributes.RequireIPv4(peer, nameof(peer));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, (byte)32);
        var b = new NetlinkMessageBuilder(add ? Rtnl.RTM_NEWADDR : Rtnl.RTM_DELADDR, add ? Create : RequestAck, sequence, Rtnl.IfAddrMsgSize);
        var ifa = b.Fixed;
        ifa[0] = Rtnl.AF_INET;
        ifa[1] = prefixLength;
        // flags (2) 0, scope (3) RT_SCOPE_UNIVERSE.
        BinaryPrimitives.WriteInt32LittleEndian(ifa[4..], index);
        b.AddIPv4(Rtnl.IFA_LOCAL, local);
        b.AddIPv4(Rtnl.IFA_ADDRESS, peer ?? local);
        return b.ToArray();
    }

    /// <summary>RTM_NEWROUTE (or RTM_DELROUTE) of <paramref name="destination"/>/<paramref name="prefixLength"/>
    /// straight out of interface <paramref name="index"/> (no gateway: scope link), main table;
    /// <paramref name="mtu"/>, when given, is the route's MTU metric (smaller than the interface's
    /// for a client that receives less).</summary>
    public static byte[] Route(bool add, IPAddress destination, byte prefixLength, int index, uint sequence, uint? mtu = null)
    {
        NetlinkAttributes.RequireIPv4(destination, nameof(destination));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, (byte)32);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        var b = new NetlinkMessageBuilder(add ? Rtnl.RTM_NEWROUTE : Rtnl.RTM_DELROUTE, add ? Create : RequestAck, sequence, Rtnl.RtMsgSize);
        var rt = b.Fixed;
        rt[0] = Rtnl.AF_INET;
        rt[1] = prefixLength;
        // src_len (2) and tos (3) 0.
        rt[4] = Rtnl.RT_TABLE_MAIN;
        if (add)
        {
            rt[5] = Rtnl.RTPROT_STATIC;
            rt[6] = Rtnl.RT_SCOPE_LINK;
            rt[7] = Rtnl.RTN_UNICAST;
        }
        else
        {
            // As `ip route del` asks: any protocol and type, scope "nowhere" matches every scope.
            rt[6] = Rtnl.RT_SCOPE_NOWHERE;
        }
        // flags (8) 0.
        b.AddIPv4(Rtnl.RTA_DST, destination);
        b.AddU32(Rtnl.RTA_OIF, (uint)index);
        if (add && mtu is { } m)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(m, 68u, nameof(mtu));
            // A nested attribute holding one RTAX_MTU (4-byte header + u32), as `ip route ... mtu N` sends it.
            var metrics = b.AddAttribute(Rtnl.RTA_METRICS, NetlinkAttribute.HeaderSize + 4);
            BinaryPrimitives.WriteUInt16LittleEndian(metrics, NetlinkAttribute.HeaderSize + 4);
            BinaryPrimitives.WriteUInt16LittleEndian(metrics[2..], Rtnl.RTAX_MTU);
            BinaryPrimitives.WriteUInt32LittleEndian(metrics[4..], m);
        }
        return b.ToArray();
    }

    /// <summary>Reads an RTM_NEWLINK (reply to GETLINK): index, name, flags, MTU. False when it is
    /// not one, is too short or has no name.</summary>
    public static bool TryParseLink(NetlinkMessage message, out LinkInfo? link)
    {
        link = null;
        var p = message.Payload;
        if (message.Header.Type != Rtnl.RTM_NEWLINK || p.Length < Rtnl.IfInfoMsgSize)
            return false;
        int index = BinaryPrimitives.ReadInt32LittleEndian(p.Span[4..]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(p.Span[8..]);
        var attributes = NetlinkAttribute.Parse(p[Rtnl.IfInfoMsgSize..]);
        if (!attributes.TryFind(Rtnl.IFLA_IFNAME, out var name))
            return false;
        uint mtu = attributes.TryFind(Rtnl.IFLA_MTU, out var m) && m.TryReadU32(out uint value) ? value : 0;
        link = new LinkInfo(index, name.ReadString(), flags, mtu);
        return true;
    }
}
