using System.Net;
using Appliance.Host.Daemon.Esp;
using Appliance.Platform.Linux.Netlink;
using Appliance.Services.Config.Values;

namespace Appliance.Host.Daemon;

/// <summary>
/// vpn.plain_l2tp_lan = on, for testing and benchmarks only: L2TP without IPsec is accepted from
/// sources inside the LAN subnet sent to the box's LAN address, and answered in clear. Everything
/// else still needs an SA (clear L2TP from the WAN is dropped and counted as before).
/// <para>
/// A plain peer has no SA, so it gets a carrier from a range of its own
/// (<see cref="CarrierBase"/>, top byte 0x50) that ESP carriers
/// (<see cref="ClientCarriers.MarkBase"/> + 16 bits, top byte 0x4c) never reach: "carrier gone"
/// and IKE teardown never see it. The carrier is computed from the peer's endpoint, not
/// allocated, so nothing has to be freed when a plain tunnel ends (nothing can leak); two peers
/// may share one only on LANs wider than /24, which is harmless: the L2TP layer ties a tunnel to
/// its UDP endpoint first, and no plain carrier is ever closed as a whole.
/// </para>
/// </summary>
internal sealed class PlainLanL2tp(Ipv4Cidr lan)
{
    public const uint CarrierBase = 0x50000000;
    private const uint RangeMask = 0xff000000;

    /// <summary>XFRM priority of the two holes in the kernel datapath's guard policies: below
    /// (= before) the guards, above the per-client policies, which match marked packets only.</summary>
    public const uint BypassPriority = 1500;

    public Ipv4Cidr Lan { get; } = lan;

    public IPAddress LanAddress => Ipv4.ToIPAddress(Lan.Address);

    public static bool IsPlainCarrier(uint carrier) => (carrier & RangeMask) == CarrierBase;

    /// <summary>The peer's carrier: the base, the address's last octet and the UDP port.</summary>
    public static uint CarrierOf(IPEndPoint peer)
    {
        uint lastOctet = Ipv4.FromIPAddress(peer.Address) & 0xff;
        return CarrierBase | lastOctet << 16 | (uint)(ushort)peer.Port;
    }

    /// <summary>A clear datagram from <paramref name="from"/> to <paramref name="local"/> may be
    /// served: the source is a host of the LAN subnet (not the box, not the network or broadcast
    /// address) and it was sent to the box's LAN address.</summary>
    public bool Admits(IPEndPoint from, IPAddress local)
    {
        if (from.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return false;
        uint source = Ipv4.FromIPAddress(from.Address);
        if (!Lan.Contains(source) || source == Lan.Address) return false;
        if (Lan.PrefixLength < 31 && (source == Lan.Network || source == Lan.Broadcast)) return false;
        return local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && Ipv4.FromIPAddress(local) == Lan.Address;
    }

    /// <summary>For the kernel ESP datapath: clear UDP 1701 from the LAN subnet to the LAN address
    /// passes the inbound guard, and from the LAN address's port 1701 to the LAN subnet the
    /// outbound one. Nothing wider.</summary>
    public IReadOnlyList<XfrmPolicySpec> BypassPolicies()
    {
        var network = Ipv4.ToIPAddress(Lan.Network);
        byte prefix = (byte)Lan.PrefixLength;
        return
        [
            new XfrmPolicySpec
            {
                Selector = new XfrmSelector(network, LanAddress, DestinationPort: XfrmSelector.L2tpPort, SourcePrefix: prefix),
                Direction = XfrmPolicyDirection.In, ReqId = 0, Priority = BypassPriority, Bypass = true,
            },
            new XfrmPolicySpec
            {
                Selector = new XfrmSelector(LanAddress, network, SourcePort: XfrmSelector.L2tpPort, DestinationPrefix: prefix),
                Direction = XfrmPolicyDirection.Out, ReqId = 0, Priority = BypassPriority, Bypass = true,
            },
        ];
    }
}
