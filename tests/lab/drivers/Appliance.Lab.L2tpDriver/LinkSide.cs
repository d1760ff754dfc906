using System.Net;
using System.Net.Sockets;
using Appliance.Platform.Linux;
using Appliance.Platform.Linux.L2tp;
using Appliance.Platform.Linux.Netlink;
using Appliance.Platform.Linux.Ppp;
using Appliance.Platform.Linux.Rtnetlink;

/// <summary>
/// One end of the lab's L2TPv2 link, built with the adapters only, kept alive while the scenario
/// asks questions. Commands (one per FIFO line, after the output file name):
///   stats | np-mode pass|drop | send-control HEX | recv-control SECONDS
///   send-l2tp-control HEX | recv-tunnel SECONDS | recv-listener SECONDS
///   add-route IP | del-route IP | add-local IP | link up|down | mtu N | proxy-arp IFNAME
///   errors | teardown (answers, then the process exits)
/// </summary>
internal sealed class LinkSide
{
    private readonly ushort _tunnel, _peerTunnel, _session, _peerSession;
    private readonly L2tpNetlink _netlink;
    private readonly RtnetlinkSocket _rtnl;
    private readonly Socket _tunnelSocket;
    private readonly Socket? _listener;
    private readonly L2tpPppLink _link;
    private readonly PppUnit _unit;
    private readonly int _ifindex;

    private LinkSide(Options o, TextWriter log)
    {
        _tunnel = o.UShort("tunnel");
        _peerTunnel = o.UShort("peer-tunnel");
        _session = o.UShort("session");
        _peerSession = o.UShort("peer-session");
        var style = o.Get("style") switch
        {
            "netlink" => L2tpSessionStyle.Netlink,
            "socket" => L2tpSessionStyle.Socket,
            var s => throw new ArgumentException($"--style netlink|socket, not {s}"),
        };
        var local = new IPEndPoint(o.Address("local"), L2tpUdpSockets.Port);
        var peer = new IPEndPoint(o.Address("peer"), L2tpUdpSockets.Port);

        if (o.Has("listener"))
        {
            // The daemon's own listener comes first, as on the box: the tunnel socket joins its port.
            _listener = L2tpUdpSockets.OpenListener(new IPEndPoint(IPAddress.Any, L2tpUdpSockets.Port));
            log.WriteLine($"listener socket on {_listener.LocalEndPoint} (unconnected, SO_REUSEADDR+SO_REUSEPORT)");
        }
        _tunnelSocket = L2tpUdpSockets.OpenForTunnel(local, peer);
        log.WriteLine($"tunnel socket {_tunnelSocket.LocalEndPoint} connected to {_tunnelSocket.RemoteEndPoint} fd {(int)_tunnelSocket.Handle}");

        _netlink = L2tpNetlink.Open();
        log.WriteLine($"generic netlink family {_netlink.Family.Name} id {_netlink.Family.Id} version {_netlink.Family.Version}");
        _netlink.CreateTunnel(_tunnel, _peerTunnel, _tunnelSocket);
        log.WriteLine($"created tunnel {_tunnel} peer tunnel {_peerTunnel} (L2TPv2, UDP)");

        _link = L2tpPppLink.Open(_netlink, _tunnelSocket, _tunnel, _peerTunnel, _session, _peerSession, style);
        log.WriteLine($"session {_session} peer session {_peerSession} ({style} style), PPPoL2TP fd {_link.Session.Fd}, channel {_link.Channel.Index}");

        int mtu = o.Int("mtu", 1400);
        _unit = _link.CreateUnit(mtu);
        // As before IPCP: the unit exists, IP does not pass yet.
        _unit.SetNetworkMode(PppProtocol.IPv4, PppNetworkMode.Drop);
        log.WriteLine($"unit {_unit.InterfaceName} connected to channel {_link.Channel.Index}, mru {mtu}, IP {_unit.GetNetworkMode(PppProtocol.IPv4)}");

        _rtnl = RtnetlinkSocket.Open();
        _ifindex = _rtnl.GetIndex(_unit.InterfaceName);
        _rtnl.SetMtu(_ifindex, (uint)mtu);
        _rtnl.AddPointToPointAddress(_ifindex, o.Address("ppp-local"), o.Address("ppp-peer"));
        _rtnl.SetUp(_unit.InterfaceName);
        var link = _rtnl.GetLink(_ifindex);
        log.WriteLine($"{link.Name} ifindex {link.Index} mtu {link.Mtu} {(link.IsUp ? "up" : "down")}, {o.Get("ppp-local")} peer {o.Get("ppp-peer")}/32");
    }

    public static int Serve(Options o)
    {
        string ctl = o.Get("ctl");
        LinkSide side;
        try
        {
            side = new LinkSide(o, Console.Out);
        }
        catch (SyscallException e)
        {
            Console.WriteLine($"setup failed: {e.Message}");
            File.WriteAllText(ctl + ".ready", $"failed {e.Message}\n");
            return 1;
        }
        File.WriteAllText(ctl + ".ready", $"ready {side._unit.InterfaceName}\n");
        Console.WriteLine($"ready {side._unit.InterfaceName}");
        Console.Out.Flush();

        while (true)
        {
            // Opening a FIFO for reading waits for a writer; each `echo > FIFO` is one batch.
            using var reader = new StreamReader(File.OpenRead(ctl));
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length < 2)
                    continue;
                var output = new StringWriter();
                int rc;
                bool stop = words[1] == "teardown";
                try
                {
                    rc = side.Handle(words[1], words[2..], output);
                }
                catch (Exception e) when (e is SyscallException or ArgumentException or SocketException or FormatException or InvalidOperationException)
                {
                    output.WriteLine($"error: {e.Message}");
                    rc = 1;
                }
                Console.Write($"> {string.Join(' ', words[1..])}\n{output}");
                Console.Out.Flush();
                File.WriteAllText(words[0], output.ToString());
                File.WriteAllText(words[0] + ".done", $"{rc}\n");
                if (stop)
                    return rc;
            }
        }
    }

    private int Handle(string command, string[] args, TextWriter output)
    {
        switch (command)
        {
            case "stats":
            {
                var s = _netlink.GetSession(_tunnel, _session);
                output.WriteLine($"session {s.SessionId} tunnel {s.TunnelId} peer session {s.PeerSessionId} peer tunnel {s.PeerTunnelId} pw {s.PseudowireType} lns_mode={(s.LnsMode ? 1 : 0)} {s.Stats}");
                return 0;
            }
            case "np-mode":
            {
                var mode = args.Single() == "pass" ? PppNetworkMode.Pass : PppNetworkMode.Drop;
                if (mode == PppNetworkMode.Pass)
                    _link.OpenNetworkProtocol(PppProtocol.IPv4);
                else
                    _unit.SetNetworkMode(PppProtocol.IPv4, mode);
                output.WriteLine($"{_unit.InterfaceName} IP mode {_unit.GetNetworkMode(PppProtocol.IPv4)}");
                return 0;
            }
            case "send-control":
            {
                byte[] frame = Convert.FromHexString(args.Single());
                bool sent = _link.Channel.TryWrite(frame);
                output.WriteLine(sent ? $"wrote {frame.Length} bytes to channel {_link.Channel.Index}" : "channel busy (EAGAIN)");
                return sent ? 0 : 1;
            }
            case "recv-control":
            {
                var buffer = new byte[2048];
                if (!_link.Channel.WaitReadable(Seconds(args)))
                {
                    output.WriteLine("no frame");
                    return 1;
                }
                int n = _link.Channel.TryRead(buffer);
                output.WriteLine(n < 0 ? "no frame" : $"frame {Convert.ToHexString(buffer, 0, n).ToLowerInvariant()}");
                return n < 0 ? 1 : 0;
            }
            case "recv-unit":
            {
                // Frames the unit hands up (network control protocols once the channel is
                // connected to it); the unit has no poll helper of its own, so this polls.
                var buffer = new byte[2048];
                var deadline = DateTime.UtcNow + Seconds(args);
                int n;
                while ((n = _unit?.TryRead(buffer) ?? -1) < 0 && DateTime.UtcNow < deadline)
                    Thread.Sleep(50);
                output.WriteLine(n < 0 ? "no frame" : $"frame {Convert.ToHexString(buffer, 0, n).ToLowerInvariant()}");
                return n < 0 ? 1 : 0;
            }
            case "send-l2tp-control":
            {
                byte[] message = Convert.FromHexString(args.Single());
                _tunnelSocket.Send(message);
                output.WriteLine($"sent {message.Length} bytes on the tunnel socket to {_tunnelSocket.RemoteEndPoint}");
                return 0;
            }
            case "recv-tunnel":
                return Receive(_tunnelSocket, "tunnel socket", Seconds(args), output);
            case "recv-listener":
                return _listener is null ? Fail(output, "no listener on this side") : Receive(_listener, "listener socket", Seconds(args), output);
            case "add-route":
                _rtnl.AddHostRoute(IPAddress.Parse(args.Single()), _ifindex);
                output.WriteLine($"route {args[0]}/32 dev {_unit.InterfaceName} added");
                return 0;
            case "del-route":
                _rtnl.DeleteHostRoute(IPAddress.Parse(args.Single()), _ifindex);
                output.WriteLine($"route {args[0]}/32 dev {_unit.InterfaceName} deleted");
                return 0;
            case "add-local":
            {
                int lo = _rtnl.GetIndex("lo");
                _rtnl.AddAddress(lo, IPAddress.Parse(args.Single()), 32);
                output.WriteLine($"address {args[0]}/32 on lo (ifindex {lo})");
                return 0;
            }
            case "link":
            {
                bool up = args.Single() == "up";
                _rtnl.SetUp(_ifindex, up);
                var link = _rtnl.GetLink(_unit.InterfaceName);
                output.WriteLine($"{link.Name} {(link.IsUp ? "up" : "down")} mtu {link.Mtu}");
                return link.IsUp == up ? 0 : 1;
            }
            case "mtu":
            {
                _rtnl.SetMtu(_unit.InterfaceName, uint.Parse(args.Single(), System.Globalization.CultureInfo.InvariantCulture));
                var link = _rtnl.GetLink(_ifindex);
                output.WriteLine($"{link.Name} mtu {link.Mtu}");
                return 0;
            }
            case "proxy-arp":
            {
                string name = args.Single();
                InterfaceSysctl.SetProxyArp(name, true);
                output.WriteLine($"proxy_arp on {name}: {(InterfaceSysctl.GetProxyArp(name) ? 1 : 0)}");
                return 0;
            }
            case "errors":
                return Errors(output);
            case "teardown":
                return Teardown(output);
            default:
                return Fail(output, $"unknown command {command}");
        }
    }

    private static TimeSpan Seconds(string[] args) =>
        TimeSpan.FromSeconds(double.Parse(args.Single(), System.Globalization.CultureInfo.InvariantCulture));

    private static int Fail(TextWriter output, string what)
    {
        output.WriteLine(what);
        return 1;
    }

    private static int Receive(Socket socket, string name, TimeSpan timeout, TextWriter output)
    {
        if (!socket.Poll(timeout, SelectMode.SelectRead))
        {
            output.WriteLine($"{name}: nothing");
            return 1;
        }
        var buffer = new byte[2048];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int n = socket.ReceiveFrom(buffer, ref from);
        output.WriteLine($"{name}: {n} bytes from {from}: {Convert.ToHexString(buffer, 0, n).ToLowerInvariant()}");
        return 0;
    }

    /// <summary>The kernel's refusals, each as the adapter reports it (errno by name).</summary>
    private int Errors(TextWriter output)
    {
        void Expect(string what, Action action)
        {
            try
            {
                action();
                output.WriteLine($"{what}: no error");
            }
            catch (SyscallException e)
            {
                output.WriteLine($"{what}: {e.Message}");
            }
        }
        Expect("tunnel id taken", () => _netlink.CreateTunnel(_tunnel, 999, _tunnelSocket));
        Expect("second tunnel on the tunnel socket", () => _netlink.CreateTunnel((ushort)(_tunnel + 1000), 999, _tunnelSocket));
        Expect("session in missing tunnel", () => _netlink.CreateSession(4321, 1, 1));
        Expect("session id taken", () => _netlink.CreateSession(_tunnel, _session, 999));
        Expect("counters of missing session", () => _netlink.GetSession(_tunnel, 4321));
        Expect("delete missing tunnel", () => _netlink.DeleteTunnel(4321));
        Expect("pppol2tp to missing tunnel", () => PppoL2tpSocket.Connect(_tunnelSocket, 4321, 1, 1, 1).Dispose());
        Expect("pppol2tp to a session already bound", () => PppoL2tpSocket.Connect(_tunnelSocket, _tunnel, _session, _peerTunnel, _peerSession).Dispose());
        Expect("attach missing channel", () => PppChannel.Attach(987654).Dispose());
        Expect("route via missing interface", () => _rtnl.AddHostRoute(IPAddress.Parse("10.99.9.9"), 987654));
        Expect("link of missing interface", () => _rtnl.GetLink("nosuchif0"));
        Expect("proxy-arp of missing interface", () => InterfaceSysctl.SetProxyArp("nosuchif0", true));
        return 0;
    }

    private int Teardown(TextWriter output)
    {
        string ifname = _unit.InterfaceName;
        var failures = _link.Close();
        foreach (var f in failures)
            output.WriteLine($"teardown step failed: {f.Message}");
        output.WriteLine($"closed channel {_link.Channel.Index}, unit {ifname}, PPPoL2TP socket (session {_session})");
        try
        {
            _netlink.DeleteTunnel(_tunnel);
            output.WriteLine($"deleted tunnel {_tunnel}");
        }
        catch (SyscallException e)
        {
            output.WriteLine($"delete tunnel: {e.Message}");
            failures = [.. failures, e];
        }
        _tunnelSocket.Dispose();
        _listener?.Dispose();
        _rtnl.Dispose();
        _netlink.Dispose();
        output.WriteLine("closed tunnel socket, listener, netlink sockets");
        return failures.Count == 0 ? 0 : 1;
    }
}
