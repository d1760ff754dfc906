using System.Net;
using System.Threading.Channels;
using Appliance.Platform.Linux;
using Appliance.Platform.Linux.Nft;
using Appliance.Platform.Linux.Rtnetlink;
using Appliance.Platform.Linux.Tun;
using Appliance.Services.Config.Values;

namespace Appliance.Host.Daemon.Sessions;

/// <summary>
/// The box's side of every client's IP traffic when PPP runs in this process: one TUN device
/// ("vpn0") that carries the box's LAN address, a host route per connected client, forwarding
/// on, and proxy-ARP on the LAN interface when the pool lies inside the LAN subnet (the LAN's
/// hosts then reach clients as if they were on the LAN). TCP connections through the interface
/// get their MSS clamped to what fits its MTU: without it large transfers stall when a path
/// drops ICMP ("ping works but copies hang"). A thread reads the device, because reading blocks.
/// </summary>
internal sealed class VpnInterface : IDisposable
{
    /// <summary>The kernel numbers it (vpn0, vpn1...), so two daemons in one namespace (tests) do not collide.</summary>
    public const string DefaultName = "vpn%d";
    /// <summary>Also the MTU of the kernel datapath's ppp units.</summary>
    public const int Mtu = 1400;
    /// <summary>MTU minus 20 bytes of IPv4 and 20 of TCP header.</summary>
    private const int ClampedMss = Mtu - 40;
    private const string NftTable = "appliance_vpn";
    private readonly TunDevice _tun;
    private readonly RtnetlinkSocket _rtnl;
    private readonly int _index;
    private readonly Thread _reader;
    private readonly Channel<byte[]> _packets = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.DropWrite });
    private volatile bool _stopping;

    private VpnInterface(TunDevice tun, RtnetlinkSocket rtnl, int index)
    {
        _tun = tun;
        _rtnl = rtnl;
        _index = index;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "vpn0-read" };
        _reader.Start();
    }

    public string Name => _tun.Name;
    public ChannelReader<byte[]> Packets => _packets.Reader;

    /// <summary>Creates and configures the interface; throws <see cref="SyscallException"/> with the
    /// step that failed.</summary>
    /// <summary>Without its LAN the box is not a router: it does not switch forwarding on for nothing.</summary>
    public static bool LanExists(string? lanInterface) =>
        !string.IsNullOrEmpty(lanInterface) && !lanInterface.Contains('/') && Directory.Exists($"/sys/class/net/{lanInterface}");

    public static VpnInterface Open(IPAddress localAddress, string? lanInterface, Ipv4Cidr lan, Ipv4Range pool, string name = DefaultName)
    {
        var tun = TunDevice.Open(name);
        RtnetlinkSocket? rtnl = null;
        try
        {
            rtnl = RtnetlinkSocket.Open();
            int index = rtnl.GetIndex(tun.Name);
            rtnl.SetMtu(index, Mtu);
            rtnl.AddAddress(index, localAddress, 32);
            rtnl.SetUp(index);
            File.WriteAllText("/proc/sys/net/ipv4/ip_forward", "1\n");
            if (lan.Contains(pool.First) && lan.Contains(pool.Last))
                InterfaceSysctl.SetProxyArp(lanInterface!, true);
            var vpn = new VpnInterface(tun, rtnl, index);
            vpn.MssClamped = TryClampMss(tun.Name, out string? why);
            vpn.MssClampProblem = why;
            return vpn;
        }
        catch
        {
            rtnl?.Dispose();
            tun.Dispose();
            throw;
        }
    }

    public bool MssClamped { get; private set; }
    public string? MssClampProblem { get; private set; }

    private static bool TryClampMss(string name, out string? problem)
    {
        problem = null;
        // The counter lets an admin (and the lab) see that SYNs were clamped.
        string rule = $"tcp flags syn / syn,rst tcp option maxseg size > {ClampedMss} counter tcp option maxseg size set {ClampedMss}";
        try
        {
            NftRuleset.Replace("inet", NftTable,
                "chain forward {\n" +
                "    type filter hook forward priority mangle; policy accept;\n" +
                $"    iifname \"{name}\" {rule}\n" +
                $"    oifname \"{name}\" {rule}\n" +
                // The kernel L2TP/PPP datapath's units (pppN, MTU 1400 too). A ppp WAN of the box's
                // own would be clamped as well: harmless, its MTU is higher.
                $"    iifname \"ppp*\" {rule}\n" +
                $"    oifname \"ppp*\" {rule}\n" +
                "}");
            return true;
        }
        catch (IOException e)
        {
            problem = e.Message;
            return false;
        }
    }

    public bool Write(ReadOnlySpan<byte> packet) => _tun.TryWrite(packet);

    public void RouteTo(IPAddress client) => _rtnl.AddHostRoute(client, _index);

    public void Unroute(IPAddress client)
    {
        try { _rtnl.DeleteHostRoute(client, _index); }
        catch (SyscallException) { /* gone with the interface, or never added */ }
    }

    private void ReadLoop()
    {
        var buffer = new byte[65536];
        while (!_stopping)
        {
            try
            {
                if (!_tun.WaitReadable(TimeSpan.FromMilliseconds(500))) continue;
                int n;
                while (!_stopping && (n = _tun.TryRead(buffer)) > 0)
                    _packets.Writer.TryWrite(buffer.AsSpan(0, n).ToArray());
            }
            catch (SyscallException) when (_stopping) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SyscallException) { Thread.Sleep(100); }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _reader.Join(TimeSpan.FromSeconds(2));
        _packets.Writer.TryComplete();
        if (MssClamped)
        {
            try { NftRuleset.Delete("inet", NftTable); }
            catch (IOException) { /* stopping anyway: the next start replaces the table */ }
        }
        _rtnl.Dispose();
        _tun.Dispose();
    }
}
