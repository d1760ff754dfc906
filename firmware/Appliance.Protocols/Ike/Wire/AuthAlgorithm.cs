namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Phase-2 Authentication Algorithm values (<see cref="AttributeType.AuthenticationAlgorithm"/>):
/// RFC 2407 §4.5, SHA-2 from RFC 4868 §2.2 / the IANA IPsec registry.
/// </summary>
public static class AuthAlgorithm
{
    public const ushort HmacMd5 = 1;
    public const ushort HmacSha1 = 2;
    public const ushort DesMac = 3;
    public const ushort Kpdk = 4;
    public const ushort HmacSha2_256 = 5;
    public const ushort HmacSha2_384 = 6;
    public const ushort HmacSha2_512 = 7;
}
