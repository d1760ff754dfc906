namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Phase-2 Encapsulation Mode values (<see cref="AttributeType.EncapsulationMode"/>): RFC 2407 §4.5,
/// RFC 3947 §5.1 for UDP encapsulation, and the draft values (draft-ietf-ipsec-nat-t-ike-02/03)
/// that clients negotiating a draft NAT-T vendor ID still send.
/// </summary>
public static class EncapsulationMode
{
    public const ushort Tunnel = 1;
    public const ushort Transport = 2;
    /// <summary>RFC 3947.</summary>
    public const ushort UdpTunnelRfc = 3;
    /// <summary>RFC 3947: what L2TP clients behind NAT ask for when RFC 3947 was agreed.</summary>
    public const ushort UdpTransportRfc = 4;
    /// <summary>Draft NAT-T (0xF003).</summary>
    public const ushort UdpTunnelDraft = 61443;
    /// <summary>Draft NAT-T (0xF004): Windows behind NAT under draft-02.</summary>
    public const ushort UdpTransportDraft = 61444;
}
