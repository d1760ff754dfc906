using System.Net;

namespace Appliance.Host.Daemon.Esp;

/// <summary>
/// Numbers each client (the peer's address and port as IKE sees it) while it has ESP SAs: the
/// number is the kernel reqid of its SAs, and <see cref="MarkBase"/> + number is its carrier id:
/// the mark its SAs put on packets and the value the L2TP layer uses to say which client a
/// datagram came from or goes to. Clients behind one NAT share an address but never a carrier.
/// Rekeyed pairs of a client keep its number.
/// </summary>
internal sealed class ClientCarriers
{
    /// <summary>High bits of every carrier id, clear of the small marks firewall rules use.</summary>
    public const uint MarkBase = 0x4c320000;

    private readonly Dictionary<IPEndPoint, (uint Id, int Pairs)> _clients = [];
    // The reverse: the kernel datapath asks it for every L2TP datagram.
    private readonly Dictionary<uint, IPEndPoint> _byId = [];
    private uint _next = 1;

    public int Count => _clients.Count;

    /// <summary>The client's number, allocating one for its first pair.</summary>
    public uint Acquire(IPEndPoint peer, out bool isNew)
    {
        isNew = !_clients.TryGetValue(peer, out var entry);
        if (isNew)
        {
            entry = (Allocate(), 0);
            _byId[entry.Id] = peer;
        }
        _clients[peer] = (entry.Id, entry.Pairs + 1);
        return entry.Id;
    }

    /// <summary>Gives back one pair's hold; true when it was the client's last (its number is free).</summary>
    public bool Release(IPEndPoint peer)
    {
        if (!_clients.TryGetValue(peer, out var entry)) return false;
        if (entry.Pairs > 1) { _clients[peer] = (entry.Id, entry.Pairs - 1); return false; }
        _clients.Remove(peer);
        _byId.Remove(entry.Id);
        return true;
    }

    public uint? IdOf(IPEndPoint peer) => _clients.TryGetValue(peer, out var e) ? e.Id : null;

    /// <summary>The client holding a carrier id, if any.</summary>
    public IPEndPoint? PeerOf(uint carrier) =>
        carrier > MarkBase && _byId.TryGetValue(carrier - MarkBase, out var peer) ? peer : null;

    public static uint Carrier(uint id) => MarkBase + id;

    private uint Allocate()
    {
        // 16 bits keep MarkBase + id inside the base's range; live numbers are never reused.
        for (int tries = 0; tries < 0x10000; tries++)
        {
            uint id = _next;
            _next = _next % 0xffff + 1;
            if (!_byId.ContainsKey(id)) return id;
        }
        throw new EspDatapathException("no free client number (65535 clients with SAs)");
    }
}
