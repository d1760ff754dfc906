using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Appliance.Services.Certificates;

/// <summary>
/// The three kinds of certificate the box makes (RFC 5280 profiles, RFC 4945 for IKE), signed with
/// SHA-256/RSA:
/// <list type="bullet">
/// <item>its CA: basicConstraints CA (critical, path length 0: it signs only end entities),
/// keyUsage keyCertSign + cRLSign (critical);</item>
/// <item>its IKE server certificate: keyUsage digitalSignature + keyEncipherment, EKU serverAuth
/// (macOS/iOS and Windows insist) + IKE intermediate 1.3.6.1.5.5.8.2.2 (what Windows' L2TP/IPsec
/// looks for in a machine certificate), SAN with every name clients may type (an address both as
/// dNSName and iPAddress, see <see cref="ServerName"/>), CN = the first name;</item>
/// <item>client certificates: keyUsage digitalSignature + keyEncipherment, EKU clientAuth, SAN
/// rfc822Name or dNSName = the name (<see cref="ClientIdentity"/>), CN = the name.</item>
/// </list>
/// Every certificate has subject and authority key identifiers, so clients find the issuer of a
/// re-issued certificate without comparing names. Validity starts an hour early: a client whose
/// clock is a little behind the box's must not see a certificate "not yet valid".
/// </summary>
public static class CertificateProfiles
{
    public const int KeyBits = 2048;
    public static readonly TimeSpan CaValidity = TimeSpan.FromDays(3652);
    /// <summary>825 days: the longest validity Apple's platforms accept for a server certificate
    /// under a user-installed root (the iOS 13 / macOS 10.15 rule); renewed 30 days before.</summary>
    public static readonly TimeSpan ServerValidity = TimeSpan.FromDays(825);
    public static readonly TimeSpan ClientValidity = TimeSpan.FromDays(825);
    public static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    /// <summary>RFC 4945 §5.1.3.12 / Microsoft's "IP security IKE intermediate".</summary>
    public static readonly DerObjectIdentifier IkeIntermediate = new("1.3.6.1.5.5.8.2.2");

    private const string SignatureAlgorithm = "SHA256WITHRSA";

    /// <summary>A fresh RSA key pair, made by the platform's OpenSSL (much faster than a managed
    /// prime search on a small ARM board).</summary>
    public static RSA NewKey() => RSA.Create(KeyBits);

    public static X509Certificate CreateCa(string boxName, RSA key, DateTime now)
    {
        var pair = Org.BouncyCastle.Security.DotNetUtilities.GetRsaKeyPair(key);
        var subject = CommonName(boxName + " VPN CA");
        var g = Generator(subject, subject, pair.Public, now, CaValidity);
        g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(0));
        g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        g.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(pair.Public));
        g.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(pair.Public));
        return g.Generate(new Asn1SignatureFactory(SignatureAlgorithm, pair.Private));
    }

    public static X509Certificate IssueServer(X509Certificate ca, RSA caKey, RSA serverKey, IReadOnlyList<ServerName> names, DateTime now)
    {
        if (names.Count == 0) throw new ArgumentException("a server certificate needs at least one name", nameof(names));
        var entries = new List<GeneralName>();
        foreach (var n in names) entries.Add(new GeneralName(GeneralName.DnsName, n.Text));
        foreach (var n in names.Where(n => n.IsAddress))
            entries.Add(new GeneralName(GeneralName.IPAddress, new DerOctetString(n.Address!.GetAddressBytes())));
        return EndEntity(ca, caKey, serverKey, names[0].Text, ServerValidity, now, new GeneralNames(entries.ToArray()),
            [KeyPurposeID.id_kp_serverAuth, IkeIntermediate]);
    }

    public static X509Certificate IssueClient(X509Certificate ca, RSA caKey, RSA clientKey, ClientIdentity identity, DateTime now)
    {
        var san = new GeneralName(identity.IsEmail ? GeneralName.Rfc822Name : GeneralName.DnsName, identity.Name);
        return EndEntity(ca, caKey, clientKey, identity.Name, ClientValidity, now, new GeneralNames(san), [KeyPurposeID.id_kp_clientAuth]);
    }

    private static X509Certificate EndEntity(X509Certificate ca, RSA caKey, RSA subjectKey, string commonName, TimeSpan validity,
        DateTime now, GeneralNames san, DerObjectIdentifier[] purposes)
    {
        var issuerPair = Org.BouncyCastle.Security.DotNetUtilities.GetRsaKeyPair(caKey);
        var subjectPublic = Org.BouncyCastle.Security.DotNetUtilities.GetRsaPublicKey(subjectKey);
        // Never valid beyond the CA: a chain is only as valid as its shortest link.
        var notAfter = now + validity < ca.NotAfter ? now + validity : ca.NotAfter;
        var g = Generator(ca.SubjectDN, CommonName(commonName), subjectPublic, now, notAfter - now);
        g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment));
        g.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(purposes));
        g.AddExtension(X509Extensions.SubjectAlternativeName, false, san);
        g.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(subjectPublic));
        g.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(ca));
        return g.Generate(new Asn1SignatureFactory(SignatureAlgorithm, issuerPair.Private));
    }

    private static X509V3CertificateGenerator Generator(X509Name issuer, X509Name subject, AsymmetricKeyParameter publicKey, DateTime now, TimeSpan validity)
    {
        var g = new X509V3CertificateGenerator();
        g.SetSerialNumber(NewSerial());
        g.SetIssuerDN(issuer);
        g.SetSubjectDN(subject);
        g.SetNotBefore(now - Backdate);
        g.SetNotAfter(now + validity);
        g.SetPublicKey(publicKey);
        return g;
    }

    /// <summary>RFC 5280 §4.1.2.2: positive, at most 20 octets; 127 random bits make it unique
    /// without a counter that two processes would have to share.</summary>
    private static BigInteger NewSerial()
    {
        byte[] bytes = RandomNumberGenerator.GetBytes(16);
        bytes[0] = (byte)((bytes[0] & 0x7f) | 0x40); // positive, and never shorter than 16 octets
        return new BigInteger(1, bytes);
    }

    /// <summary>A DN of one CN, built from the value itself: parsing "CN=" + text would let a box
    /// or user name with ',' or '+' inject further attributes.</summary>
    private static X509Name CommonName(string value) =>
        new([X509Name.CN], new List<string> { value });
}
