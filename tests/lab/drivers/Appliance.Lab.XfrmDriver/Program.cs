using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Appliance.Platform.Linux.Netlink;

// Lab driver for the XFRM netlink adapter. Each command runs in one network namespace of the lab
// guest (ip netns exec NS ...) and prints what it did, one fact per line, for the scenario to grep.
// Keys are fixed test keys derived from the SPI, so both ends derive the same SA without talking.
//
//   install  --role server|client --local IP --remote IP --spi-out HEX --spi-in HEX
//            --reqid-out N --reqid-in N --suite cbc-sha1|3des-sha256|gcm [--encap] [--priority N]
//   remove   (the same arguments as install)
//   counters --sa DST/SPI[,DST/SPI...]           one line per SA: sa DST/SPI bytes=N packets=N ...
//   echo-server --bind IP:PORT [--count N]       echoes N datagrams back to their sender
//   echo-client --to IP:PORT --text TEXT [--timeout S]
//   encap-listen --bind IP:PORT                  UDP socket with UDP_ENCAP_ESPINUDP, until killed
//   expire   --local IP --remote IP --spi HEX --soft S --hard S [--timeout S]
//   errors   --local IP --remote IP             the kernel's refusals as exceptions
return Driver.Run(args);

internal static class Driver
{
    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: Appliance.Lab.XfrmDriver COMMAND [--option value]...");
            return 2;
        }
        var o = Options.Parse(args[1..]);
        try
        {
            switch (args[0])
            {
                case "install": Install(o); break;
                case "remove": Remove(o); break;
                case "counters": Counters(o); break;
                case "echo-server": EchoServer(o); break;
                case "echo-client": EchoClient(o); break;
                case "encap-listen": EncapListen(o); break;
                case "expire": return Expire(o);
                case "errors": return Errors(o);
                default:
                    Console.Error.WriteLine($"unknown command {args[0]}");
                    return 2;
            }
            return 0;
        }
        catch (NetlinkException e)
        {
            Console.Error.WriteLine($"netlink error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or SocketException or FormatException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    // --- SAs and policies ---------------------------------------------------------------------

    private sealed record Pair(XfrmSaSpec Out, XfrmSaSpec In, XfrmPolicySpec PolicyOut, XfrmPolicySpec PolicyIn);

    /// <summary>The SA pair and policies of one end. The server's selectors have its port 1701;
    /// the client's mirror them (its own port is any).</summary>
    private static Pair Build(Options o)
    {
        bool server = o.Get("role") switch
        {
            "server" => true,
            "client" => false,
            var r => throw new ArgumentException($"--role server|client, not {r}"),
        };
        var local = o.Address("local");
        var remote = o.Address("remote");
        uint spiOut = o.Hex("spi-out"), spiIn = o.Hex("spi-in");
        uint reqOut = o.UInt("reqid-out"), reqIn = o.UInt("reqid-in");
        string suite = o.Get("suite");
        var encap = o.Flag("encap") ? new XfrmUdpEncap(4500, 4500) : null;
        uint priority = o.Has("priority") ? o.UInt("priority") : 2000;

        var selOut = server ? XfrmSelector.L2tpFromLocal(local, remote) : new XfrmSelector(local, remote, Xfrm.IPPROTO_UDP, DestinationPort: XfrmSelector.L2tpPort);
        var selIn = server ? XfrmSelector.L2tpToLocal(remote, local) : new XfrmSelector(remote, local, Xfrm.IPPROTO_UDP, SourcePort: XfrmSelector.L2tpPort);
        XfrmSaSpec Sa(IPAddress src, IPAddress dst, uint spi, uint reqid, XfrmSelector sel) => WithSuite(new XfrmSaSpec
        {
            Source = src,
            Destination = dst,
            Spi = spi,
            ReqId = reqid,
            Selector = sel,
            Encapsulation = encap,
            Lifetime = new XfrmLifetime(SoftSeconds: 3000, HardSeconds: 3600),
        }, suite);
        return new Pair(
            Sa(local, remote, spiOut, reqOut, selOut),
            Sa(remote, local, spiIn, reqIn, selIn),
            new XfrmPolicySpec { Selector = selOut, Direction = XfrmPolicyDirection.Out, ReqId = reqOut, Priority = priority },
            new XfrmPolicySpec { Selector = selIn, Direction = XfrmPolicyDirection.In, ReqId = reqIn, Priority = priority });
    }

    private static XfrmSaSpec WithSuite(XfrmSaSpec s, string suite)
    {
        XfrmSaSpec With(XfrmCipher? c, XfrmIntegrity? i, XfrmAead? a) => new()
        {
            Source = s.Source, Destination = s.Destination, Spi = s.Spi, ReqId = s.ReqId, Selector = s.Selector,
            Encapsulation = s.Encapsulation, Lifetime = s.Lifetime, Cipher = c, Integrity = i, Aead = a,
        };
        return suite switch
        {
            "cbc-sha1" => With(XfrmCipher.AesCbc(TestKey(s.Spi, 'e', 16)), XfrmIntegrity.HmacSha1_96(TestKey(s.Spi, 'a', 20)), null),
            "3des-sha256" => With(XfrmCipher.Des3Cbc(TestKey(s.Spi, 'e', 24)), XfrmIntegrity.HmacSha256_128(TestKey(s.Spi, 'a', 32)), null),
            "gcm" => With(null, null, XfrmAead.Rfc4106AesGcm(TestKey(s.Spi, 'g', 20))),
            _ => throw new ArgumentException($"--suite cbc-sha1|3des-sha256|gcm, not {suite}"),
        };
    }

    /// <summary>Fixed test key material from the SPI (lab only: both ends derive the same).</summary>
    private static byte[] TestKey(uint spi, char purpose, int length)
    {
        var key = new byte[length];
        for (int i = 0; i < length; i++)
            key[i] = (byte)((spi >> (8 * (i % 4))) ^ (uint)(i * 29) ^ purpose);
        return key;
    }

    private static void Install(Options o)
    {
        var p = Build(o);
        using var xfrm = XfrmSocket.Open();
        foreach (var sa in new[] { p.Out, p.In })
        {
            xfrm.AddSa(sa);
            Console.WriteLine($"added sa {sa}");
        }
        foreach (var policy in new[] { p.PolicyOut, p.PolicyIn })
        {
            xfrm.AddPolicy(policy);
            Console.WriteLine($"added {policy}");
        }
        foreach (var sa in new[] { p.Out, p.In })
        {
            var back = xfrm.GetSa(sa.Destination, sa.Spi);
            Console.WriteLine($"read back spi 0x{back.Spi:x8} {back.Source} -> {back.Destination} reqid {back.ReqId} mode {back.Mode}");
        }
    }

    private static void Remove(Options o)
    {
        var p = Build(o);
        using var xfrm = XfrmSocket.Open();
        foreach (var policy in new[] { p.PolicyOut, p.PolicyIn })
        {
            xfrm.DeletePolicy(policy);
            Console.WriteLine($"deleted policy dir {policy.Direction.ToString().ToLowerInvariant()} sel {policy.Selector}");
        }
        foreach (var sa in new[] { p.Out, p.In })
        {
            xfrm.DeleteSa(sa.Destination, sa.Spi);
            Console.WriteLine($"deleted sa spi 0x{sa.Spi:x8} dst {sa.Destination}");
        }
    }

    private static void Counters(Options o)
    {
        using var xfrm = XfrmSocket.Open();
        foreach (string sa in o.Get("sa").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int slash = sa.IndexOf('/');
            if (slash < 0)
                throw new ArgumentException($"--sa DST/SPI, not {sa}");
            var dst = IPAddress.Parse(sa[..slash]);
            uint spi = Options.ParseHex(sa[(slash + 1)..]);
            var c = xfrm.GetSaCounters(dst, spi);
            Console.WriteLine($"sa {dst}/0x{spi:x8} bytes={c.Bytes} packets={c.Packets} replay_window={c.ReplayWindowDrops} replay={c.ReplayDrops} integrity_failed={c.IntegrityFailures}");
        }
    }

    // --- Traffic ------------------------------------------------------------------------------

    private static void EchoServer(Options o)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(o.EndPoint("bind"));
        int count = o.Has("count") ? (int)o.UInt("count") : 1;
        Console.WriteLine($"echo server on {socket.LocalEndPoint}");
        var buffer = new byte[2048];
        for (int i = 0; i < count; i++)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = socket.ReceiveFrom(buffer, ref from);
            Console.WriteLine($"received {n} bytes from {from}: {Encoding.ASCII.GetString(buffer, 0, n)}");
            socket.SendTo(buffer.AsSpan(0, n), from);
        }
    }

    private static void EchoClient(Options o)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.ReceiveTimeout = (int)(o.Has("timeout") ? o.UInt("timeout") : 10) * 1000;
        var to = o.EndPoint("to");
        byte[] text = Encoding.ASCII.GetBytes(o.Get("text"));
        socket.Connect(to);
        socket.Send(text);
        Console.WriteLine($"sent {text.Length} bytes from {socket.LocalEndPoint} to {to}");
        var buffer = new byte[2048];
        int n = socket.Receive(buffer);
        Console.WriteLine($"echo: {Encoding.ASCII.GetString(buffer, 0, n)}");
    }

    private static void EncapListen(Options o)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(o.EndPoint("bind"));
        UdpEncapSocket.Enable(socket);
        Console.WriteLine($"encap socket on {socket.LocalEndPoint} (UDP_ENCAP_ESPINUDP)");
        Console.Out.Flush();
        var buffer = new byte[2048];
        while (true)
        {
            // Only non-ESP datagrams (IKE, keepalives) reach the socket; ESP goes to XFRM.
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = socket.ReceiveFrom(buffer, ref from);
            Console.WriteLine($"non-ESP datagram of {n} bytes from {from}");
        }
    }

    // --- Expire notifications and errors ------------------------------------------------------

    private static int Expire(Options o)
    {
        var local = o.Address("local");
        var remote = o.Address("remote");
        uint spi = o.Hex("spi");
        ulong soft = o.UInt("soft"), hard = o.UInt("hard");
        int timeout = o.Has("timeout") ? (int)o.UInt("timeout") : 20;
        using var xfrm = XfrmSocket.Open();
        xfrm.SubscribeExpire();
        var sa = WithSuite(new XfrmSaSpec
        {
            Source = local,
            Destination = remote,
            Spi = spi,
            ReqId = 99,
            Selector = XfrmSelector.L2tpFromLocal(local, remote),
            Lifetime = new XfrmLifetime(SoftSeconds: soft, HardSeconds: hard),
        }, "cbc-sha1");
        xfrm.AddSa(sa);
        Console.WriteLine($"added sa {sa} soft {soft}s hard {hard}s");
        var deadline = DateTime.UtcNow.AddSeconds(timeout);
        while (DateTime.UtcNow < deadline)
        {
            var e = xfrm.ReceiveExpire(deadline - DateTime.UtcNow);
            if (e is null)
                break;
            Console.WriteLine(e);
            if (e.Hard && e.Spi == spi)
                return 0;
        }
        Console.WriteLine("no hard expire in time");
        return 1;
    }

    private static int Errors(Options o)
    {
        var local = o.Address("local");
        var remote = o.Address("remote");
        using var xfrm = XfrmSocket.Open();
        int failures = 0;
        // errno null: any refusal will do (the kernel's choice may change between versions).
        void Expect(string what, int? errno, Action action)
        {
            try
            {
                action();
                Console.WriteLine($"{what}: no error (expected {(errno is { } n ? Errno.Name(n) : "one")})");
                failures++;
            }
            catch (NetlinkException e)
            {
                Console.WriteLine($"{what}: {e.Message}");
                if (errno is { } n && e.Errno != n)
                    failures++;
            }
        }
        Expect("delete missing sa", Errno.ESRCH, () => xfrm.DeleteSa(remote, 0x0badcafe));
        Expect("counters of missing sa", Errno.ESRCH, () => xfrm.GetSaCounters(remote, 0x0badcafe));
        Expect("delete missing policy", Errno.ENOENT, () => xfrm.DeletePolicy(XfrmSelector.L2tpFromLocal(local, remote), XfrmPolicyDirection.Out));
        var sa = WithSuite(new XfrmSaSpec { Source = local, Destination = remote, Spi = 0x0badcafe, ReqId = 98 }, "cbc-sha1");
        xfrm.AddSa(sa);
        Expect("add duplicate sa", Errno.EEXIST, () => xfrm.AddSa(sa));
        var bogus = new XfrmSaSpec
        {
            Source = local, Destination = remote, Spi = 0x0badcaff, ReqId = 98,
            Cipher = new XfrmCipher("cbc(nosuchcipher)", new byte[16]),
            Integrity = XfrmIntegrity.HmacSha1_96(new byte[20]),
        };
        Expect("add sa with unknown cipher", null, () => xfrm.AddSa(bogus));
        xfrm.DeleteSa(remote, 0x0badcafe);
        return failures == 0 ? 0 : 1;
    }
}
