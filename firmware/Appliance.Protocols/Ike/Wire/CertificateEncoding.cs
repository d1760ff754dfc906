namespace Appliance.Protocols.Ike.Wire;

/// <summary>Certificate encodings of Certificate and Certificate Request payloads (RFC 2408 §3.9).</summary>
public static class CertificateEncoding
{
    public const byte None = 0;
    public const byte Pkcs7 = 1;
    public const byte Pgp = 2;
    public const byte DnsSignedKey = 3;
    /// <summary>X.509 certificate for signatures: what RSA-signature clients send.</summary>
    public const byte X509Signature = 4;
    public const byte X509KeyExchange = 5;
    public const byte KerberosTokens = 6;
    public const byte Crl = 7;
    public const byte Arl = 8;
    public const byte Spki = 9;
    public const byte X509Attribute = 10;
}
