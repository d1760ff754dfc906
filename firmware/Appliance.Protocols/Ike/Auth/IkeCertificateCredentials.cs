using System.Security.Cryptography;
using Appliance.Protocols.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;

namespace Appliance.Protocols.Ike.Auth;

/// <summary>
/// What RSA-signature authentication needs, checked and parsed once when the configuration is
/// loaded: our certificate and the key it certifies (for IDir, CERT and SIG_R in Main Mode 6), and
/// the CA certificates a client's certificate must chain to (named in our CERTREQ in Main Mode 4).
/// </summary>
public sealed class IkeCertificateCredentials
{
    private IkeCertificateCredentials(byte[] serverCertificate, X509Certificate server, IRsaSigner signer, List<X509Certificate> trusted)
    {
        ServerCertificate = serverCertificate;
        ServerSubjectDn = server.SubjectDN.GetEncoded();
        ServerSubject = server.SubjectDN.ToString();
        Signer = signer;
        Trusted = trusted;
        TrustedSubjectDns = trusted.Select(c => c.SubjectDN.GetEncoded()).ToList();
    }

    /// <summary>Our certificate, DER, as sent in the CERT payload of Main Mode 6.</summary>
    public byte[] ServerCertificate { get; }
    /// <summary>Its subject DN, DER: our ID_DER_ASN1_DN identity.</summary>
    public byte[] ServerSubjectDn { get; }
    public string ServerSubject { get; }
    internal IRsaSigner Signer { get; }
    internal IReadOnlyList<X509Certificate> Trusted { get; }
    /// <summary>The CAs' subject DNs, DER: the Certification Authority field of our CERTREQs.</summary>
    internal IReadOnlyList<byte[]> TrustedSubjectDns { get; }

    /// <summary>
    /// Parses and checks the material: the certificates must be well-formed X.509 with RSA keys,
    /// the trusted ones CA certificates, and <paramref name="signer"/> must hold the private key
    /// of <paramref name="serverCertificate"/> (checked with one signature), so a mismatch shows at
    /// start-up, not as clients that cannot verify us.
    /// </summary>
    /// <exception cref="ArgumentException">The material does not fit together; the message says how.</exception>
    public static IkeCertificateCredentials Create(byte[] serverCertificate, IRsaSigner signer, IReadOnlyList<byte[]> trustedCaCertificates)
    {
        ArgumentNullException.ThrowIfNull(signer);
        if (trustedCaCertificates.Count == 0) throw new ArgumentException("at least one trusted CA certificate is needed", nameof(trustedCaCertificates));
        var server = Parse(serverCertificate, "server certificate");
        var trusted = trustedCaCertificates.Select((der, i) => Parse(der, $"CA certificate {i + 1}")).ToList();
        if (trusted.FirstOrDefault(c => c.GetBasicConstraints() < 0) is { } notCa)
            throw new ArgumentException($"{notCa.SubjectDN} is not a CA certificate", nameof(trustedCaCertificates));
        if (server.GetPublicKey() is not RsaKeyParameters { IsPrivate: false } key)
            throw new ArgumentException("the server certificate has no RSA key", nameof(serverCertificate));

        byte[] probe = SHA256.HashData("IKEv1 server key check"u8);
        byte[] signature = signer.SignWithoutDigestInfo(probe);
        using var rsa = RSA.Create(new RSAParameters { Modulus = key.Modulus.ToByteArrayUnsigned(), Exponent = key.Exponent.ToByteArrayUnsigned() });
        if (!RsaPkcs1Signature.VerifyWithoutDigestInfo(rsa, probe, signature))
            throw new ArgumentException("the signing key is not the key of the server certificate", nameof(signer));
        return new IkeCertificateCredentials(serverCertificate, server, signer, trusted);
    }

    private static X509Certificate Parse(byte[] der, string what)
    {
        if (!CertificateParsing.TryParse(der, out var cert)) throw new ArgumentException($"{what} is not a DER X.509 certificate");
        return cert!;
    }
}
