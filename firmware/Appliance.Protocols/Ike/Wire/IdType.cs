namespace Appliance.Protocols.Ike.Wire;

/// <summary>Identification types of the IPsec DOI (RFC 2407 §4.6.2.1).</summary>
public static class IdType
{
    public const byte Ipv4Address = 1;
    public const byte Fqdn = 2;
    public const byte UserFqdn = 3;
    /// <summary>Address + mask, 4 + 4 bytes.</summary>
    public const byte Ipv4AddressSubnet = 4;
    public const byte Ipv6Address = 5;
    /// <summary>Address + mask, 16 + 16 bytes.</summary>
    public const byte Ipv6AddressSubnet = 6;
    /// <summary>Start + end, 4 + 4 bytes.</summary>
    public const byte Ipv4AddressRange = 7;
    /// <summary>Start + end, 16 + 16 bytes.</summary>
    public const byte Ipv6AddressRange = 8;
    public const byte DerAsn1Dn = 9;
    public const byte DerAsn1Gn = 10;
    public const byte KeyId = 11;

    /// <summary>
    /// The data length an address-typed ID must have (RFC 2407 §4.6.2.2-4.6.2.9), or -1 for the
    /// variable-length types and for types the DOI does not define.
    /// </summary>
    public static int GetFixedDataLength(byte idType) => idType switch
    {
        Ipv4Address => 4,
        Ipv4AddressSubnet or Ipv4AddressRange => 8,
        Ipv6Address => 16,
        Ipv6AddressSubnet or Ipv6AddressRange => 32,
        _ => -1,
    };
}
