using System.Net;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>A certificate and its key, for the tests.</summary>
internal sealed record TestCert(byte[] Der, RSA Key)
{
    public X509Certificate Parsed => new(Der);
    public byte[] SubjectDn => Parsed.SubjectDN.GetEncoded();
}

/// <summary>
/// Certificates made in the tests with BouncyCastle directly (not through the firmware's CA code):
/// a CA, and end entities with the SAN, EKU and validity each test needs.
/// </summary>
internal static class TestPki
{
    public static readonly DateTime NotBefore = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime NotAfter = new(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static int _serial = 1;

    public static TestCert Ca(string name, int? pathLength = 0, TestCert? issuer = null)
    {
        var key = RSA.Create(2048);
        var pub = DotNetUtilities.GetRsaPublicKey(key);
        var subject = new X509Name("CN=" + name);
        var g = Generator(issuer is null ? subject : issuer.Parsed.SubjectDN, subject, pub, NotBefore, NotAfter);
        g.AddExtension(X509Extensions.BasicConstraints, true, pathLength is { } p ? new BasicConstraints(p) : new BasicConstraints(true));
        g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        var signer = DotNetUtilities.GetRsaKeyPair(issuer?.Key ?? key).Private;
        return new TestCert(g.Generate(new Asn1SignatureFactory("SHA256WITHRSA", signer)).GetEncoded(), key);
    }

    /// <param name="san">"DNS:x", "email:x", "IP:a.b.c.d"</param>
    /// <param name="eku">OIDs; null: no EKU extension.</param>
    public static TestCert Leaf(TestCert issuer, string subject, string[] san, string[]? eku = null, DateTime? notBefore = null,
        DateTime? notAfter = null, int keyBits = 2048, int? keyUsage = KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment)
    {
        var key = RSA.Create(keyBits);
        var pub = DotNetUtilities.GetRsaPublicKey(key);
        var g = Generator(issuer.Parsed.SubjectDN, new X509Name(subject), pub, notBefore ?? NotBefore, notAfter ?? NotAfter);
        g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        if (keyUsage is { } ku) g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(ku));
        if (eku is not null) g.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(eku.Select(o => new DerObjectIdentifier(o))));
        if (san.Length > 0)
        {
            var names = san.Select(s => s.Split(':', 2) switch
            {
                ["DNS", var v] => new GeneralName(GeneralName.DnsName, v),
                ["email", var v] => new GeneralName(GeneralName.Rfc822Name, v),
                ["IP", var v] => new GeneralName(GeneralName.IPAddress, new DerOctetString(IPAddress.Parse(v).GetAddressBytes())),
                _ => throw new ArgumentException(s),
            }).ToArray();
            g.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(names));
        }
        var signer = DotNetUtilities.GetRsaKeyPair(issuer.Key).Private;
        return new TestCert(g.Generate(new Asn1SignatureFactory("SHA256WITHRSA", signer)).GetEncoded(), key);
    }

    private static X509V3CertificateGenerator Generator(X509Name issuer, X509Name subject, Org.BouncyCastle.Crypto.AsymmetricKeyParameter pub, DateTime from, DateTime to)
    {
        var g = new X509V3CertificateGenerator();
        g.SetSerialNumber(BigInteger.ValueOf(Interlocked.Increment(ref _serial)));
        g.SetIssuerDN(issuer);
        g.SetSubjectDN(subject);
        g.SetNotBefore(from);
        g.SetNotAfter(to);
        g.SetPublicKey(pub);
        return g;
    }

    /// <summary>The CA and server certificate most tests share (key generation is slow).</summary>
    public static readonly Lazy<(TestCert Ca, TestCert Server, TestCert Client)> Shared = new(() =>
    {
        var ca = Ca("Test Box VPN CA");
        var server = Leaf(ca, "CN=vpn.example.org", ["DNS:vpn.example.org", "IP:198.51.100.1"], ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.8.2.2"]);
        var client = Leaf(ca, "CN=alice", ["DNS:alice", "email:alice@example.org", "IP:203.0.113.5"], ["1.3.6.1.5.5.7.3.2"]);
        return (ca, server, client);
    });
}

/// <summary>IKEv1 signatures the way RFC 2409 §5.1 and the implementations make them: PKCS#1 v1.5
/// type-1 padding around the bare hash, here through BouncyCastle's PKCS#1 engine (not the
/// firmware's hand-made padding).</summary>
internal static class TestSignatures
{
    public static byte[] Sign(RSA key, byte[] hash)
    {
        var engine = new Pkcs1Encoding(new RsaEngine());
        engine.Init(true, DotNetUtilities.GetRsaKeyPair(key).Private);
        return engine.ProcessBlock(hash, 0, hash.Length);
    }

    /// <summary>What the signature says was signed (checks the padding).</summary>
    public static byte[] Recover(X509Certificate cert, byte[] signature)
    {
        var engine = new Pkcs1Encoding(new RsaEngine());
        engine.Init(false, cert.GetPublicKey());
        return engine.ProcessBlock(signature, 0, signature.Length);
    }
}
