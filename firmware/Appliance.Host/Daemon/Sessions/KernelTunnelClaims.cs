using System.Net;

namespace Appliance.Host.Daemon.Sessions;

/// <summary>
/// Which kernel tunnel owns which UDP 4-tuple. A kernel tunnel needs a UDP socket connected to
/// its peer, and UDP delivers by addresses and ports only (marks play no part), so one 4-tuple
/// can have one kernel tunnel. Clients behind one NAT present the same one (the NAT's address,
/// and inside ESP their own untranslated port, usually 1701): the first gets the kernel path, a
/// later one with the same 4-tuple stays in this process. Its datagrams still arrive, on the
/// first one's socket, with its own SA mark, and the kernel passes them up (its session ids are
/// unique across tunnels, so the kernel never takes them for the first one's session).
/// </summary>
internal sealed class KernelTunnelClaims
{
    private readonly Dictionary<(IPEndPoint Local, IPEndPoint Remote), ushort> _owners = [];
    private readonly Dictionary<ushort, (IPEndPoint Local, IPEndPoint Remote)> _byTunnel = [];

    public int Count => _byTunnel.Count;

    /// <summary>True when the 4-tuple was free (now <paramref name="tunnelId"/>'s); otherwise the
    /// holder. A local address of 0.0.0.0 (unknown) collides with every local address.</summary>
    public bool TryClaim(ushort tunnelId, IPEndPoint local, IPEndPoint remote, out ushort holder)
    {
        holder = 0;
        if (_byTunnel.ContainsKey(tunnelId)) { holder = tunnelId; return false; }
        foreach (var ((l, r), owner) in _owners)
        {
            if (r.Equals(remote) && l.Port == local.Port &&
                (l.Address.Equals(local.Address) || l.Address.Equals(IPAddress.Any) || local.Address.Equals(IPAddress.Any)))
            {
                holder = owner;
                return false;
            }
        }
        _owners[(local, remote)] = tunnelId;
        _byTunnel[tunnelId] = (local, remote);
        return true;
    }

    public bool Release(ushort tunnelId)
    {
        if (!_byTunnel.Remove(tunnelId, out var key)) return false;
        _owners.Remove(key);
        return true;
    }
}
