namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Protocol identifiers of the IPsec DOI (RFC 2407 §4.4.1) as carried by Proposal, Notification
/// and Delete payloads. Some peers put 0 in notifications; any byte decodes.
/// </summary>
public enum ProtocolId : byte
{
    Isakmp = 1,
    AH = 2,
    Esp = 3,
    IpComp = 4,
}
