using Org.BouncyCastle.X509;

namespace Appliance.Protocols.Ike.Auth;

/// <summary>X.509 from the wire, without letting a hostile encoding throw past us.</summary>
internal static class CertificateParsing
{
    /// <summary>Larger than any certificate a client sends (a 4096-bit RSA one is about 1.5 KB).</summary>
    public const int MaxCertificateBytes = 16 * 1024;

    public static bool TryParse(byte[] der, out X509Certificate? certificate)
    {
        certificate = null;
        if (der.Length == 0 || der.Length > MaxCertificateBytes) return false;
        try
        {
            certificate = new X509Certificate(der);
            // Decode the parts we read later now, so that they cannot throw then.
            _ = certificate.GetPublicKey();
            _ = certificate.GetKeyUsage();
            _ = certificate.GetExtendedKeyUsage();
            _ = certificate.GetBasicConstraints();
            _ = certificate.GetSubjectAlternativeNameExtension();
            return true;
        }
        // BouncyCastle reports malformed ASN.1 with a spread of exception types (IO, cast, argument,
        // its own); for bytes from a peer every one of them means the same: not a certificate.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            certificate = null;
            return false;
        }
    }
}
