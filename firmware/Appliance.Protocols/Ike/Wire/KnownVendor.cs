namespace Appliance.Protocols.Ike.Wire;

/// <summary>What <see cref="KnownVendorIds.Identify"/> recognised in a Vendor ID payload.</summary>
public enum KnownVendor
{
    Unknown,
    /// <summary>RFC 3947 NAT-T: NAT-D/NAT-OA are 20/21, UDP encapsulation modes 3/4.</summary>
    NatTraversalRfc3947,
    /// <summary>Apple's unversioned "draft-ietf-ipsec-nat-t-ike".</summary>
    NatTraversalDraftUnversioned,
    NatTraversalDraft00,
    NatTraversalDraft01,
    /// <summary>draft-02: NAT-D/NAT-OA are 130/131, UDP encapsulation modes 61443/61444.</summary>
    NatTraversalDraft02,
    /// <summary>draft-02 with the trailing newline that a typo put in many implementations (Windows).</summary>
    NatTraversalDraft02Newline,
    NatTraversalDraft03,
    NatTraversalDraft04,
    NatTraversalDraft05,
    NatTraversalDraft06,
    NatTraversalDraft07,
    NatTraversalDraft08,
    /// <summary>RFC 3706 Dead Peer Detection, any version.</summary>
    DeadPeerDetection,
    /// <summary>IKEv1 fragmentation, with or without trailing flag bytes.</summary>
    Fragmentation,
    /// <summary>"MS NT5 ISAKMPOAKLEY" plus a 4-byte Windows version.</summary>
    MicrosoftNt5,
    MicrosoftNegotiationDiscoveryCapable,
    MicrosoftInitialContact,
    MicrosoftIkeCga,
    MicrosoftMamieExists,
    Xauth,
    CiscoUnity,
    StrongSwan,
}
