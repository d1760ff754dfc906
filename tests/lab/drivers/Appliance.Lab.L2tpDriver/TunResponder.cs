using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using Appliance.Platform.Linux.Rtnetlink;
using Appliance.Platform.Linux.Tun;

/// <summary>
/// The userspace datapath's device end to end: a TUN interface created, addressed and brought up
/// through the adapters, then the first ICMP echo request the kernel routes into it is read from
/// the device and answered by writing the echo reply back into it (so `ping` through the
/// interface succeeds only if both directions work).
/// </summary>
internal static class TunResponder
{
    public static int Run(Options o)
    {
        string cidr = o.Get("address");
        int slash = cidr.IndexOf('/');
        var address = IPAddress.Parse(cidr[..slash]);
        byte prefix = byte.Parse(cidr[(slash + 1)..], CultureInfo.InvariantCulture);
        var timeout = TimeSpan.FromSeconds(o.Int("timeout", 30));

        using var tun = TunDevice.Open(o.Has("name") ? o.Get("name") : null);
        using var rtnl = RtnetlinkSocket.Open();
        int index = rtnl.GetIndex(tun.Name);
        rtnl.AddAddress(index, address, prefix);
        rtnl.SetUp(index);
        var link = rtnl.GetLink(index);
        Console.WriteLine($"tun {tun.Name} ifindex {index} {address}/{prefix} {(link.IsUp ? "up" : "down")} mtu {link.Mtu} flags 0x{link.Flags:x}");
        File.WriteAllText(o.Get("ready"), $"ready {tun.Name}\n");
        Console.Out.Flush();

        var buffer = new byte[65536];
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            if (!tun.WaitReadable(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64))))
                break;
            int n = tun.TryRead(buffer);
            if (n <= 0)
                continue;
            var packet = buffer.AsSpan(0, n);
            if (!TryEchoReply(packet, out byte[]? reply, out string what))
            {
                Console.WriteLine($"read {n} bytes: {what} (not an echo request, ignored)");
                continue;
            }
            Console.WriteLine($"read {n} bytes: {what}");
            bool written = tun.TryWrite(reply);
            Console.WriteLine(written ? $"wrote {reply!.Length} bytes: echo reply" : "could not write the reply (EAGAIN)");
            // Give ping the moment it needs to read the reply before the device goes away.
            Thread.Sleep(500);
            return written ? 0 : 1;
        }
        Console.WriteLine("no echo request arrived");
        return 1;
    }

    /// <summary>The echo reply to an IPv4 ICMP echo request (addresses swapped, type 0, both
    /// checksums recomputed); false with a description for any other packet.</summary>
    private static bool TryEchoReply(ReadOnlySpan<byte> p, out byte[]? reply, out string what)
    {
        reply = null;
        if (p.Length < 20 || p[0] >> 4 != 4)
        {
            what = p.Length > 0 ? $"IP version {p[0] >> 4}" : "empty";
            return false;
        }
        int ihl = (p[0] & 0x0f) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
        var src = new IPAddress(p.Slice(12, 4));
        var dst = new IPAddress(p.Slice(16, 4));
        what = $"IPv4 {src} -> {dst} proto {p[9]} length {total}";
        if (ihl < 20 || total > p.Length || total < ihl + 8 || p[9] != 1 || p[ihl] != 8)
            return false;
        what = $"ICMP echo request {src} -> {dst} id {BinaryPrimitives.ReadUInt16BigEndian(p[(ihl + 4)..])} seq {BinaryPrimitives.ReadUInt16BigEndian(p[(ihl + 6)..])}";
        var r = p[..total].ToArray();
        p.Slice(16, 4).CopyTo(r.AsSpan(12));
        p.Slice(12, 4).CopyTo(r.AsSpan(16));
        r[8] = 64; // TTL
        r[10] = r[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(10), Checksum(r.AsSpan(0, ihl)));
        r[ihl] = 0; // echo reply
        r[ihl + 2] = r[ihl + 3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(ihl + 2), Checksum(r.AsSpan(ihl)));
        reply = r;
        return true;
    }

    /// <summary>The Internet checksum (RFC 1071).</summary>
    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if ((data.Length & 1) != 0)
            sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
