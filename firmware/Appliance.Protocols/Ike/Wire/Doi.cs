namespace Appliance.Protocols.Ike.Wire;

/// <summary>Domains of interpretation (RFC 2408 §3.4, RFC 2407 §6).</summary>
public static class Doi
{
    /// <summary>Generic ISAKMP (RFC 2408 §3.4: valid in some Informational payloads).</summary>
    public const uint Isakmp = 0;

    /// <summary>The IPsec DOI (RFC 2407).</summary>
    public const uint Ipsec = 1;
}
