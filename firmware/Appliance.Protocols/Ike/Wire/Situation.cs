namespace Appliance.Protocols.Ike.Wire;

/// <summary>IPsec DOI situation bits of the SA payload (RFC 2407 §4.2).</summary>
public static class Situation
{
    /// <summary>SIT_IDENTITY_ONLY: the only situation L2TP clients use.</summary>
    public const uint IdentityOnly = 1;
    /// <summary>SIT_SECRECY: adds labelled-domain fields this codec does not parse.</summary>
    public const uint Secrecy = 2;
    /// <summary>SIT_INTEGRITY: adds labelled-domain fields this codec does not parse.</summary>
    public const uint Integrity = 4;
}
