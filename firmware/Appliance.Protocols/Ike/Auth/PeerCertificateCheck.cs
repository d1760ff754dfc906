using System.Security.Cryptography;
using System.Text;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ike.Wire;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;

namespace Appliance.Protocols.Ike.Auth;

/// <summary>
/// Checks what a client proves with in Main Mode 5 under RSA signatures (RFC 2409 §5.1, RFC 4945):
/// <list type="number">
/// <item>its certificate (the first X.509 CERT payload) chains to a CA we trust, through at most
/// <see cref="MaxCertificates"/> - 1 intermediates it sent along, each signed by the next, each
/// valid at <c>now</c>, path lengths honoured;</item>
/// <item>the certificate may sign (keyUsage digitalSignature or nonRepudiation when present) and
/// is meant for a client (EKU, when present: clientAuth, IKE intermediate, ipsecIKE or any);</item>
/// <item>the identity it claims in IDii is the certificate's: its subject DN (ID_DER_ASN1_DN), or
/// a SAN entry (ID_FQDN = dNSName, ID_USER_FQDN = rfc822Name, ID_IPV4/6_ADDR = iPAddress);</item>
/// <item>SIG_I is its key's signature over HASH_I (PKCS#1 v1.5 type 1 around the bare hash).</item>
/// </list>
/// The chain is checked first, so that no RSA operation runs with a key our CA did not certify
/// beyond the cheap public-key checks of the chain itself.
/// </summary>
internal static class PeerCertificateCheck
{
    public const int MaxCertificates = 4;
    public const int MinRsaBits = 2048, MaxRsaBits = 8192;

    private static readonly HashSet<string> ClientPurposes =
    [
        "1.3.6.1.5.5.7.3.2",  // id-kp-clientAuth
        "1.3.6.1.5.5.8.2.2",  // IKE intermediate (Windows)
        "1.3.6.1.5.5.7.3.17", // id-kp-ipsecIKE (RFC 4945 §5.1.3.12)
        "2.5.29.37.0",        // anyExtendedKeyUsage
    ];

    /// <summary>Signature algorithms whose collisions are practical: a chain signed with them proves nothing.</summary>
    private static readonly HashSet<string> BrokenSignatureAlgorithms = ["1.2.840.113549.1.1.2", "1.2.840.113549.1.1.4"];

    public static PeerAuthentication Check(IReadOnlyList<CertificatePayload> certificates, IdentificationPayload id,
        byte[] hashI, byte[] signature, IkeCertificateCredentials trust, DateTimeOffset now)
    {
        if (certificates.Count == 0)
            return PeerAuthentication.Refused(NotifyType.InvalidCertificate, "no certificate sent (this box keeps none of its clients')");
        if (certificates.Count > MaxCertificates)
            return PeerAuthentication.Refused(NotifyType.InvalidCertificate, $"more than {MaxCertificates} certificates sent");
        if (certificates.FirstOrDefault(c => c.Encoding != CertificateEncoding.X509Signature) is { } other)
            return PeerAuthentication.Refused(NotifyType.CertTypeUnsupported, $"certificate encoding {other.Encoding} (only X.509 signature, 4)");
        var parsed = new List<X509Certificate>();
        foreach (var c in certificates)
        {
            if (!CertificateParsing.TryParse(c.Data, out var cert))
                return PeerAuthentication.Refused(NotifyType.InvalidCertificate, "malformed certificate");
            parsed.Add(cert!);
        }
        var leaf = parsed[0];
        string subject = leaf.SubjectDN.ToString(), serial = leaf.SerialNumber.ToString(16);
        PeerAuthentication Refuse(ushort notify, string reason) => PeerAuthentication.Refused(notify, reason, subject, serial);

        if (leaf.GetBasicConstraints() >= 0)
            return Refuse(NotifyType.InvalidCertificate, "a CA certificate cannot authenticate a client");
        if (ChainError(leaf, parsed.Skip(1).ToList(), trust, now.UtcDateTime) is { } chain)
            return Refuse(chain.Notify, chain.Reason);
        if (leaf.GetPublicKey() is not RsaKeyParameters { IsPrivate: false } key)
            return Refuse(NotifyType.InvalidCertificate, "the certificate has no RSA key (authentication method is RSA signatures)");
        if (key.Modulus.BitLength is < MinRsaBits or > MaxRsaBits)
            return Refuse(NotifyType.InvalidCertificate, $"RSA key of {key.Modulus.BitLength} bits (accepted: {MinRsaBits}-{MaxRsaBits})");
        if (leaf.GetKeyUsage() is { } usage && !(usage[0] || usage[1]))
            return Refuse(NotifyType.InvalidCertificate, "the certificate's key usage does not allow signatures");
        if (leaf.GetExtendedKeyUsage() is { Count: > 0 } purposes && !purposes.Any(p => ClientPurposes.Contains(p.Id)))
            return Refuse(NotifyType.InvalidCertificate, "the certificate's extended key usage is not for a client (clientAuth)");
        if (!IdentityMatches(id, leaf))
            return Refuse(NotifyType.InvalidIdInformation, $"identity {Describe(id)} is not the certificate's (subject or SAN)");

        using var rsa = RSA.Create(new RSAParameters { Modulus = key.Modulus.ToByteArrayUnsigned(), Exponent = key.Exponent.ToByteArrayUnsigned() });
        if (!RsaPkcs1Signature.VerifyWithoutDigestInfo(rsa, hashI, signature))
            return Refuse(NotifyType.InvalidSignature, "signature does not verify with the certificate's key");
        return new PeerAuthentication(true, 0, "", subject, serial);
    }

    private static (ushort Notify, string Reason)? ChainError(X509Certificate leaf, List<X509Certificate> pool, IkeCertificateCredentials trust, DateTime now)
    {
        var current = leaf;
        for (int intermediates = 0; ; intermediates++)
        {
            if (!current.IsValid(now))
                return (NotifyType.InvalidCertificate, $"{current.SubjectDN} is not valid now (valid {current.NotBefore:yyyy-MM-dd} to {current.NotAfter:yyyy-MM-dd})");
            if (BrokenSignatureAlgorithms.Contains(current.SigAlgOid))
                return (NotifyType.InvalidCertificate, $"{current.SubjectDN} is signed with MD2/MD5");
            var anchor = trust.Trusted.FirstOrDefault(ca => ca.SubjectDN.Equivalent(current.IssuerDN, true) && SignedBy(current, ca));
            if (anchor is not null)
            {
                if (!anchor.IsValid(now)) return (NotifyType.InvalidCertAuthority, $"the CA {anchor.SubjectDN} is not valid now");
                if (intermediates > anchor.GetBasicConstraints())
                    return (NotifyType.InvalidCertificate, $"the CA {anchor.SubjectDN} allows no intermediate CAs below it");
                return null;
            }
            if (intermediates + 1 >= MaxCertificates) break;
            var next = pool.FirstOrDefault(c => c.SubjectDN.Equivalent(current.IssuerDN, true) && IsCa(c)
                                                && c.GetBasicConstraints() >= intermediates && SignedBy(current, c));
            if (next is null) break;
            pool.Remove(next);
            current = next;
        }
        return (NotifyType.InvalidCertAuthority, $"issued by {current.IssuerDN}, which is not a CA this box trusts");
    }

    private static bool IsCa(X509Certificate c) =>
        c.GetBasicConstraints() >= 0 && (c.GetKeyUsage() is not { } usage || usage[5]);

    private static bool SignedBy(X509Certificate cert, X509Certificate issuer)
    {
        try { return cert.IsSignatureValid(issuer.GetPublicKey()); }
        // An issuer key or algorithm BouncyCastle cannot use: the signature is not valid for us.
        catch (Exception e) when (e is not OutOfMemoryException) { return false; }
    }

    private static bool IdentityMatches(IdentificationPayload id, X509Certificate cert)
    {
        switch (id.IdType)
        {
            case IdType.DerAsn1Dn:
                try { return TryName(id.Data) is { } dn && dn.Equivalent(cert.SubjectDN, true); }
                // Comparing canonicalizes attribute values a peer chose; if that trips, no match.
                catch (Exception e) when (e is not OutOfMemoryException) { return false; }
            case IdType.Fqdn:
                return SanStrings(cert, GeneralName.DnsName).Any(s => string.Equals(s, Ascii(id.Data), StringComparison.OrdinalIgnoreCase));
            case IdType.UserFqdn:
                return SanStrings(cert, GeneralName.Rfc822Name).Any(s => string.Equals(s, Ascii(id.Data), StringComparison.OrdinalIgnoreCase));
            case IdType.Ipv4Address or IdType.Ipv6Address:
                return cert.GetSubjectAlternativeNameExtension()?.GetNames()
                    .Any(n => n.TagNo == GeneralName.IPAddress && Asn1OctetString.GetInstance(n.Name).GetOctets().AsSpan().SequenceEqual(id.Data)) ?? false;
            default:
                return false;
        }
    }

    private static IEnumerable<string> SanStrings(X509Certificate cert, int tag) =>
        cert.GetSubjectAlternativeNameExtension()?.GetNames().Where(n => n.TagNo == tag)
            .Select(n => DerIA5String.GetInstance(n.Name).GetString()) ?? [];

    private static string Ascii(byte[] data) => Encoding.ASCII.GetString(data);

    internal static X509Name? TryName(byte[] der)
    {
        if (der.Length == 0 || der.Length > CertificateParsing.MaxCertificateBytes) return null;
        try { return X509Name.GetInstance(Asn1Object.FromByteArray(der)); }
        // Hostile bytes: any BouncyCastle complaint means "not a DN".
        catch (Exception e) when (e is not OutOfMemoryException) { return null; }
    }

    /// <summary>An ID for the log (the log quotes and escapes it).</summary>
    internal static string Describe(IdentificationPayload id) => id.IdType switch
    {
        IdType.Ipv4Address or IdType.Ipv6Address => new System.Net.IPAddress(id.Data).ToString(),
        IdType.DerAsn1Dn => TryName(id.Data)?.ToString() ?? "(malformed DN)",
        _ => Encoding.ASCII.GetString(id.Data.Where(b => b >= 0x20 && b < 0x7f).ToArray()),
    };
}
