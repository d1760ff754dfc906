namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// The "Next Payload" values of ISAKMP (RFC 2408 §3.1), plus the NAT-T payloads of RFC 3947 §3.2
/// and §5.2 (20/21) and of the pre-RFC drafts (130/131, still sent by clients that only speak
/// draft-02/03), mode-config's Attribute payload (draft-dukes-ike-mode-cfg §3.2) and the
/// Cisco/strongSwan IKEv1 fragment payload (132).
/// </summary>
public enum PayloadType : byte
{
    None = 0,
    SecurityAssociation = 1,
    /// <summary>Only valid nested in an SA payload (RFC 2408 §3.5).</summary>
    Proposal = 2,
    /// <summary>Only valid nested in a Proposal (RFC 2408 §3.6).</summary>
    Transform = 3,
    KeyExchange = 4,
    Identification = 5,
    Certificate = 6,
    CertificateRequest = 7,
    Hash = 8,
    Signature = 9,
    Nonce = 10,
    Notification = 11,
    Delete = 12,
    VendorId = 13,
    /// <summary>Mode-config / XAUTH attribute payload.</summary>
    Attribute = 14,
    NatDiscovery = 20,
    NatOriginalAddress = 21,
    NatDiscoveryDraft = 130,
    NatOriginalAddressDraft = 131,
    Fragment = 132,
}
