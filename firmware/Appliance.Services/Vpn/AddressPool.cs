using System.Net;
using Appliance.Services.Config.Values;

namespace Appliance.Services.Vpn;

/// <summary>
/// The inner addresses of VPN clients: each session holds one while its PPP link is up, from the
/// pool (vpn.pool) or the user's static address. An address is never handed to two sessions;
/// static addresses inside the pool are kept out of it for everyone else. The lowest free
/// address goes first, so a client that reconnects usually gets its old one back.
/// </summary>
public sealed class AddressPool(Ipv4Range range, IEnumerable<uint>? reservedStatic = null)
{
    private readonly HashSet<uint> _inUse = [];
    private readonly HashSet<uint> _reserved = [.. reservedStatic ?? []];

    public Ipv4Range Range { get; } = range;
    public int InUse => _inUse.Count;

    /// <summary>The user's static address (if free), else the lowest free pool address; null when
    /// the static address is taken (the user is connected already) or the pool is exhausted.</summary>
    public IPAddress? Allocate(IPAddress? staticAddress)
    {
        if (staticAddress is not null)
        {
            uint s = Ipv4.FromIPAddress(staticAddress);
            return _inUse.Add(s) ? staticAddress : null;
        }
        for (uint a = Range.First; a <= Range.Last && a >= Range.First; a++)
        {
            if (_reserved.Contains(a) || _inUse.Contains(a)) continue;
            _inUse.Add(a);
            return Ipv4.ToIPAddress(a);
        }
        return null;
    }

    /// <summary>Returns an address; releasing one not held is harmless.</summary>
    public void Release(IPAddress address) => _inUse.Remove(Ipv4.FromIPAddress(address));
}
