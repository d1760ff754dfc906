using System.Net;
using Appliance.Platform.Linux.Netlink;

namespace Appliance.Platform.Linux.Rtnetlink;

/// <summary>
/// A NETLINK_ROUTE socket for what the box changes itself: interface state and MTU, IPv4
/// addresses (point-to-point ones for ppp units), host routes. Acts on the network namespace of
/// the thread that opened it. A refusal becomes a <see cref="NetlinkException"/> naming the
/// request, the interface and the errno. Needs CAP_NET_ADMIN.
/// </summary>
public sealed class RtnetlinkSocket : IDisposable
{
    private readonly NetlinkSocket _socket;

    private RtnetlinkSocket(NetlinkSocket socket) => _socket = socket;

    public static RtnetlinkSocket Open() => new(NetlinkSocket.Open(NetlinkSyscalls.NETLINK_ROUTE, "NETLINK_ROUTE"));

    /// <summary>An interface by name. ENODEV when there is none.</summary>
    public LinkInfo GetLink(string name) => ReadLink(seq => RtnetlinkMessages.GetLink(name, seq), $"RTM_GETLINK({name})");

    /// <summary>An interface by index. ENODEV when there is none.</summary>
    public LinkInfo GetLink(int index) => ReadLink(seq => RtnetlinkMessages.GetLink(index, seq), $"RTM_GETLINK(ifindex {index})");

    public int GetIndex(string name) => GetLink(name).Index;

    public void SetUp(string name, bool up = true) =>
        Request(seq => RtnetlinkMessages.SetLink(0, name, up, null, seq), $"RTM_NEWLINK({name} {(up ? "up" : "down")})");

    public void SetUp(int index, bool up = true) =>
        Request(seq => RtnetlinkMessages.SetLink(index, null, up, null, seq), $"RTM_NEWLINK(ifindex {index} {(up ? "up" : "down")})");

    public void SetDown(string name) => SetUp(name, false);

    public void SetMtu(string name, uint mtu) =>
        Request(seq => RtnetlinkMessages.SetLink(0, name, null, mtu, seq), $"RTM_NEWLINK({name} mtu {mtu})");

    public void SetMtu(int index, uint mtu) =>
        Request(seq => RtnetlinkMessages.SetLink(index, null, null, mtu, seq), $"RTM_NEWLINK(ifindex {index} mtu {mtu})");

    /// <summary>Adds <paramref name="local"/> peer <paramref name="peer"/>/32 to a point-to-point
    /// interface (the kernel adds the host route to the peer). EEXIST when it is there already.</summary>
    public void AddPointToPointAddress(int index, IPAddress local, IPAddress peer) =>
        Request(seq => RtnetlinkMessages.Address(true, index, local, peer, 32, seq), $"RTM_NEWADDR(ifindex {index} {local} peer {peer}/32)");

    public void DeletePointToPointAddress(int index, IPAddress local, IPAddress peer) =>
        Request(seq => RtnetlinkMessages.Address(false, index, local, peer, 32, seq), $"RTM_DELADDR(ifindex {index} {local} peer {peer}/32)");

    /// <summary>Adds an ordinary address <paramref name="local"/>/<paramref name="prefixLength"/>.</summary>
    public void AddAddress(int index, IPAddress local, byte prefixLength) =>
        Request(seq => RtnetlinkMessages.Address(true, index, local, null, prefixLength, seq), $"RTM_NEWADDR(ifindex {index} {local}/{prefixLength})");

    public void DeleteAddress(int index, IPAddress local, byte prefixLength) =>
        Request(seq => RtnetlinkMessages.Address(false, index, local, null, prefixLength, seq), $"RTM_DELADDR(ifindex {index} {local}/{prefixLength})");

    /// <summary>Routes <paramref name="host"/>/32 out of interface <paramref name="index"/>, with
    /// <paramref name="mtu"/> as the route's MTU when given. EEXIST when such a route exists.</summary>
    public void AddHostRoute(IPAddress host, int index, uint? mtu = null) =>
        Request(seq => RtnetlinkMessages.Route(true, host, 32, index, seq, mtu),
            $"RTM_NEWROUTE({host}/32 dev ifindex {index}{(mtu is { } m ? $" mtu {m}" : "")})");

    /// <summary>Removes that route. ESRCH when there is none.</summary>
    public void DeleteHostRoute(IPAddress host, int index) =>
        Request(seq => RtnetlinkMessages.Route(false, host, 32, index, seq), $"RTM_DELROUTE({host}/32 dev ifindex {index})");

    private void Request(Func<uint, byte[]> build, string operation) => _socket.Transact(build, operation, expectReply: false);

    private LinkInfo ReadLink(Func<uint, byte[]> build, string operation)
    {
        var reply = _socket.Transact(build, operation, expectReply: true)!.Value;
        if (!RtnetlinkMessages.TryParseLink(reply, out var link) || link is null)
            throw new NetlinkException(operation, Errno.EBADMSG, "reply is not a link");
        return link;
    }

    public void Dispose() => _socket.Dispose();
}
