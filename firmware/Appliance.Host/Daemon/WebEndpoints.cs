using System.Net;
using System.Net.NetworkInformation;
using Appliance.Services.Config;
using Appliance.Services.Config.Values;

namespace Appliance.Host.Daemon;

/// <summary>
/// Turns web.listen into socket addresses. The LAN entry binds to lan.address only when that
/// address is configured on this machine; nothing ever binds to the wildcard address, so the
/// admin page cannot be reached through the WAN interface.
/// </summary>
internal static class WebEndpoints
{
    public static List<IPEndPoint> Resolve(ApplianceConfig config, IReadOnlySet<IPAddress> localAddresses, out List<string> skipped)
    {
        var endpoints = new List<IPEndPoint>();
        skipped = [];
        foreach (var entry in config.WebListen)
        {
            uint address = entry.On == ListenEndpoint.Side.Lan ? config.LanAddress.Address : entry.Address;
            var ip = Ipv4.ToIPAddress(address);
            if (entry.On == ListenEndpoint.Side.Lan && !localAddresses.Contains(ip))
            {
                skipped.Add($"{ip}:{entry.Port} (lan.address is not on any interface here)");
                continue;
            }
            var endpoint = new IPEndPoint(ip, entry.Port);
            if (!endpoints.Contains(endpoint)) endpoints.Add(endpoint);
        }
        return endpoints;
    }

    public static HashSet<IPAddress> LocalAddresses()
    {
        var set = new HashSet<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                set.Add(unicast.Address);
        return set;
    }
}
