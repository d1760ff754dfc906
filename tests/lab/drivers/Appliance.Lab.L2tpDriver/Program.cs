using System.Net;
using System.Net.Sockets;
using Appliance.Platform.Linux;

// Lab driver for the kernel L2TP/PPP datapath adapters, the rtnetlink adapter and TUN. Each command
// runs in one network namespace of the lab guest (ip netns exec NS ...) and prints what it did, one
// fact per line, for the scenario to grep.
//
//   side --local IP --peer IP --tunnel N --peer-tunnel N --session N --peer-session N
//        --style netlink|socket --ppp-local IP --ppp-peer IP --ctl FIFO [--listener] [--mtu N]
//        Sets up tunnel, session, PPPoL2TP, channel and unit pppN (NP mode IP = drop), addresses it,
//        then answers commands written to FIFO as lines "OUTFILE COMMAND [ARG...]": the answer goes
//        to OUTFILE, then OUTFILE.done gets the exit code. See LinkSide for the commands.
//   udp-send --bind IP:PORT --to IP:PORT --hex HEX        one datagram from that address
//   tun --name NAME --address IP/PREFIX --ready FILE [--timeout S]
//        Creates the TUN device, addresses it and brings it up through our rtnetlink adapter, writes
//        FILE, then answers the first ICMP echo request routed to it (read from the device, reply
//        written back into it).
return Driver.Run(args);

internal static class Driver
{
    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: Appliance.Lab.L2tpDriver side|udp-send|tun [--option value]...");
            return 2;
        }
        try
        {
            var o = Options.Parse(args[1..]);
            switch (args[0])
            {
                case "side": return LinkSide.Serve(o);
                case "udp-send": UdpSend(o); return 0;
                case "tun": return TunResponder.Run(o);
                default:
                    Console.Error.WriteLine($"unknown command {args[0]}");
                    return 2;
            }
        }
        catch (SyscallException e)
        {
            Console.WriteLine($"syscall error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or SocketException or FormatException)
        {
            Console.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static void UdpSend(Options o)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(o.EndPoint("bind"));
        byte[] data = Convert.FromHexString(o.Get("hex"));
        socket.SendTo(data, o.EndPoint("to"));
        Console.WriteLine($"sent {data.Length} bytes from {socket.LocalEndPoint} to {o.Get("to")}");
    }
}
