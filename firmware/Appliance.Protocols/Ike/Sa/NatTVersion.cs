namespace Appliance.Protocols.Ike.Sa;

/// <summary>Which NAT-T dialect a peer speaks, best first: the RFC uses payload types 20/21 and
/// encapsulation mode 4; the drafts 130/131 and 61443/61444.</summary>
internal enum NatTVersion { None, Draft02, Draft03, Rfc3947 }
