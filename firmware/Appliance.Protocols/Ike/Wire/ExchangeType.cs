namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// ISAKMP exchange types (RFC 2408 §3.1 and §4; RFC 2409 §5 and §9 give Main Mode its IKE name,
/// Quick Mode 32 and New Group Mode 33). Transaction (6) is mode-config/XAUTH
/// (draft-dukes-ike-mode-cfg §3). A received byte outside this list still decodes: the enum just
/// carries it, and the state machine decides.
/// </summary>
public enum ExchangeType : byte
{
    Base = 1,
    /// <summary>Main Mode in IKE terms (RFC 2409 §5).</summary>
    IdentityProtection = 2,
    AuthenticationOnly = 3,
    Aggressive = 4,
    Informational = 5,
    /// <summary>Mode-config / XAUTH transaction exchange.</summary>
    Transaction = 6,
    QuickMode = 32,
    NewGroupMode = 33,
}
