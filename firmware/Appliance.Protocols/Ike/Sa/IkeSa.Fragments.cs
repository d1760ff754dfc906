using Appliance.Protocols.Ike.Fragments;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>
/// IKEv1 fragmentation towards the peer: once it announced the FRAGMENTATION vendor ID in Main
/// Mode 1 (Windows, macOS/iOS, Android, strongSwan do) or sent us fragments, every datagram of ours
/// larger than the path allows (<see cref="IkeResponderOptions.MaxDatagram"/>) leaves in fragments,
/// so that Main Mode 6 with a certificate is not an IP fragment that a NAT drops.
/// </summary>
internal sealed partial class IkeSa
{
    private byte[]? _fragmentationVendorId;
    private ushort _nextFragmentId;

    public bool PeerDoesFragmentation { get; private set; }

    /// <summary>The dispatcher got a fragment of ours from the peer: it can take fragments too.</summary>
    public void PeerSentFragments() => PeerDoesFragmentation = true;

    private void NoteFragmentationVendorId(byte[] vendorId)
    {
        PeerDoesFragmentation = true;
        _fragmentationVendorId = vendorId;
    }

    /// <summary>Our answer to the FRAGMENTATION vendor ID: the very one the peer sent (the
    /// trailing capability flags differ between Windows and Cisco/strongSwan).</summary>
    private VendorIdPayload? FragmentationVendorIdReply() => _fragmentationVendorId is { } v ? new VendorIdPayload(v) : null;

    /// <summary>Every datagram in <paramref name="actions"/> that is too large for the path, in fragments.</summary>
    private List<IkeAction> Outgoing(List<IkeAction> actions)
    {
        if (!PeerDoesFragmentation) return actions;
        var result = new List<IkeAction>(actions.Count);
        foreach (var action in actions)
        {
            int max = action is SendDatagram d ? IkeFragmenter.MaxMessage(_options.MaxDatagram, d.To.AddressFamily, d.NatTraversalPort) : 0;
            if (action is not SendDatagram send || send.Data.Length <= max)
            {
                result.Add(action);
                continue;
            }
            ushort id = ++_nextFragmentId == 0 ? ++_nextFragmentId : _nextFragmentId;
            var pieces = IkeFragmenter.Split(send.Data, id, max);
            result.AddRange(pieces.Select(p => send with { Data = p }));
            result.Add(Log("debug", "message sent in fragments", ("bytes", send.Data.Length), ("fragments", pieces.Count), ("fragment_id", id)));
        }
        return result;
    }
}
