using System.Net;
using System.Threading.Channels;
using Appliance.Platform.Linux;
using Appliance.Platform.Linux.Interop;
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
    private const string ClientMssMap = "client_mss";
    /// <summary>Clients with an entry in <see cref="ClientMssMap"/>, to remove it when they go.</summary>
    private readonly HashSet<IPAddress> _ownMss = [];
    private readonly TunDevice _tun;
    private readonly RtnetlinkSocket _rtnl;
    private readonly int _index;
    private readonly Thread _reader;
    /// <summary>The reader sleeps in it until a packet comes or Dispose wakes it: no timer.</summary>
    private readonly WakeableWait _wait = WakeableWait.Create();
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
        // The counters let an admin (and the lab) see that SYNs were clamped. A client whose PPP
        // link receives less than the interface's MTU (Android asks for an MRU of 1270) gets its
        // own entry in client_mss: its SYNs then announce what it can really receive. The kernel
        // never raises an MSS through this statement, and a client without an entry falls
        // through to the common rule.
        const string syn = "tcp flags syn / syn,rst";
        static string Rules(string device) =>
            $"    iifname \"{device}\" {syn} tcp option maxseg size set ip saddr map @{ClientMssMap} counter\n" +
            $"    iifname \"{device}\" {syn} tcp option maxseg size > {ClampedMss} counter tcp option maxseg size set {ClampedMss}\n" +
            $"    oifname \"{device}\" {syn} tcp option maxseg size > {ClampedMss} counter tcp option maxseg size set {ClampedMss}\n";
        try
        {
            NftRuleset.Replace("inet", NftTable,
                $"map {ClientMssMap} {{ typeof ip saddr : tcp option maxseg size; }}\n" +
                "chain forward {\n" +
                "    type filter hook forward priority mangle; policy accept;\n" +
                Rules(name) +
                // The kernel L2TP/PPP datapath's units (pppN, MTU at most 1400 too). A ppp WAN of
                // the box's own would be clamped as well: harmless, its MTU is higher.
                Rules("ppp*") +
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

    /// <summary>A host route to the client, with the MTU its PPP link negotiated (never above the
    /// interface's), so the box fragments or sends ICMP "too big" for what the client cannot
    /// receive; a smaller MTU also gets the client its own MSS clamp.</summary>
    public void RouteTo(IPAddress client, int linkMtu)
    {
        _rtnl.AddHostRoute(client, _index, (uint)Math.Clamp(linkMtu, 576, Mtu));
        LimitMss(client, linkMtu);
    }

    public void Unroute(IPAddress client)
    {
        try { _rtnl.DeleteHostRoute(client, _index); }
        catch (SyscallException) { /* gone with the interface, or never added */ }
        UnlimitMss(client);
    }

    /// <summary>SYNs from a client whose link carries less than <see cref="Mtu"/> announce an MSS
    /// that fits its link (on this interface or on its own pppN).</summary>
    public void LimitMss(IPAddress client, int linkMtu)
    {
        int mtu = Math.Clamp(linkMtu, 576, Mtu);
        if (mtu >= Mtu || !MssClamped || _ownMss.Contains(client)) return;
        try
        {
            NftRuleset.AddMapElement("inet", NftTable, ClientMssMap, client.ToString(), (mtu - 40).ToString(System.Globalization.CultureInfo.InvariantCulture));
            _ownMss.Add(client);
        }
        catch (IOException) { /* the common clamp still applies; the route MTU does the rest */ }
    }

    public void UnlimitMss(IPAddress client)
    {
        if (!_ownMss.Remove(client)) return;
        try { NftRuleset.DeleteMapElement("inet", NftTable, ClientMssMap, client.ToString()); }
        catch (IOException) { /* the table goes with the daemon; a stale entry only lowers an MSS */ }
    }

    private void ReadLoop()
    {
        var buffer = new byte[65536];
        while (!_stopping)
        {
            try
            {
                if (!_wait.Wait([_tun.Fd], _tun.Name)) continue;
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
        _wait.Wake();
        bool stopped = _reader.Join(TimeSpan.FromSeconds(2));
        _packets.Writer.TryComplete();
        if (MssClamped)
        {
            try { NftRuleset.Delete("inet", NftTable); }
            catch (IOException) { /* stopping anyway: the next start replaces the table */ }
        }
        _rtnl.Dispose();
        _tun.Dispose();
        if (stopped) _wait.Dispose(); // else the reader may still poll it
    }
}
