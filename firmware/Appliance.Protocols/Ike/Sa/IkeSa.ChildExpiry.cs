using System.Buffers.Binary;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Ike.Sa;

internal sealed partial class IkeSa
{
    /// <summary>The datapath reports that one of this SA's ESP pairs reached its hard lifetime
    /// (the kernel has already deleted that SA): tell the peer with a Delete for our inbound SPI,
    /// as RFC 2408 §5.15 expects when an SA goes away, and drop the pair. The IKE SA stays: the
    /// client negotiates a new pair over it when it wants one.</summary>
    public List<IkeAction> ExpireChild(uint inboundSpi, string reason)
    {
        var actions = new List<IkeAction>();
        var child = Children.FirstOrDefault(c => c.InboundSpi == inboundSpi);
        if (child is null || State != SaState.Established) return actions;
        Children.Remove(child);
        byte[] spi = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(spi, child.InboundSpi);
        SendDelete(actions, new DeletePayload(1, ProtocolId.Esp, 4, [spi]));
        actions.Add(new RemoveChildSa(child.InboundSpi, child.OutboundSpi, reason));
        actions.Add(Log("info", "ESP SAs expired", ("peer", Peer), ("spi_in", $"{child.InboundSpi:x8}"),
            ("spi_out", $"{child.OutboundSpi:x8}"), ("reason", reason)));
        return actions;
    }
}
