namespace Appliance.Protocols.L2tp;

/// <summary>One call in a tunnel: created by ICRQ, connected by ICCN.</summary>
internal sealed class L2tpSession(ushort id, ushort peerId, DateTimeOffset created)
{
    public ushort Id { get; } = id;
    public ushort PeerId { get; } = peerId;
    public DateTimeOffset Created { get; } = created;
    /// <summary>ICCN accepted and <see cref="L2tpSessionUp"/> reported.</summary>
    public bool Established { get; set; }

    public L2tpSessionStatus Status() => new(Id, PeerId, Established, Created);
}
