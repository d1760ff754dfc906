using System.Net;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace Appliance.Services.Certificates;

/// <summary>What 'appliance cert show' prints about one certificate.</summary>
public sealed record CertificateInfo(string Subject, string Issuer, IReadOnlyList<string> SubjectAltNames,
    DateTime NotBeforeUtc, DateTime NotAfterUtc, string Sha256Fingerprint, string SerialHex)
{
    public static CertificateInfo Of(byte[] der) => Of(new X509Certificate(der));

    public static CertificateInfo Of(X509Certificate cert)
    {
        var names = new List<string>();
        if (cert.GetSubjectAlternativeNameExtension() is { } san)
        {
            foreach (var n in san.GetNames())
            {
                names.Add(n.TagNo switch
                {
                    GeneralName.DnsName => "DNS:" + DerIA5String.GetInstance(n.Name).GetString(),
                    GeneralName.Rfc822Name => "email:" + DerIA5String.GetInstance(n.Name).GetString(),
                    GeneralName.IPAddress => "IP:" + new IPAddress(Asn1OctetString.GetInstance(n.Name).GetOctets()),
                    _ => $"other ({n.TagNo})",
                });
            }
        }
        return new CertificateInfo(cert.SubjectDN.ToString(), cert.IssuerDN.ToString(), names,
            DateTime.SpecifyKind(cert.NotBefore, DateTimeKind.Utc), DateTime.SpecifyKind(cert.NotAfter, DateTimeKind.Utc),
            Fingerprint(cert.GetEncoded()), cert.SerialNumber.ToString(16));
    }

    /// <summary>SHA-256 of the DER as colon-separated upper-case hex, as browsers and
    /// <c>openssl x509 -fingerprint -sha256</c> show it.</summary>
    public static string Fingerprint(byte[] der) =>
        string.Join(':', SHA256.HashData(der).Select(b => b.ToString("X2")));
}
