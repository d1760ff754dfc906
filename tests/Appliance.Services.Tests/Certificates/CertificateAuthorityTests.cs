using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Appliance.Services.Certificates;
using Appliance.Services.Users;
using Appliance.Store;
using Appliance.Store.Records;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Appliance.Services.Tests.Certificates;

public sealed class CertificateAuthorityTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 9, 30, 0, TimeSpan.Zero);
    private readonly TempDir _dir = new();
    private readonly ApplianceStore _store;
    private readonly PrivateKeySealer _sealer;
    private readonly ManualClock _clock = new(T0);
    private readonly CertificateAuthority _ca;

    public CertificateAuthorityTests()
    {
        _store = ApplianceStore.Open(_dir.Path);
        _sealer = new PrivateKeySealer(DeviceKey.LoadOrCreate(_dir.Path));
        _ca = new CertificateAuthority(_store, _sealer, _clock);
    }

    public void Dispose()
    {
        _sealer.Dispose();
        _store.Dispose();
        _dir.Dispose();
    }

    private string File(string name) => System.IO.Path.Combine(_dir.Path, name);

    private (BcCertificate Ca, BcCertificate Server) Created(params string[] names)
    {
        _ca.EnsureCreated("Kellerbox", names.Length == 0 ? ["vpn.example.org", "203.0.113.7"] : names);
        return (new BcCertificate(_store.ReadKeyPair(StoredKeyPair.Ca)!.CertificateDer),
                new BcCertificate(_store.ReadKeyPair(StoredKeyPair.Server)!.CertificateDer));
    }

    private static List<(int Tag, string Value)> San(BcCertificate c) =>
        c.GetSubjectAlternativeNameExtension()!.GetNames().Select(n => (n.TagNo, n.TagNo == GeneralName.IPAddress
            ? new IPAddress(Asn1OctetString.GetInstance(n.Name).GetOctets()).ToString()
            : DerIA5String.GetInstance(n.Name).GetString())).ToList();

    private static bool Critical(BcCertificate c, DerObjectIdentifier oid) => c.GetCriticalExtensionOids().Contains(oid.Id);

    [Fact]
    public void First_use_makes_a_ten_year_ca_that_signs_only_certificates_and_crls()
    {
        var (ca, _) = Created();
        Assert.Equal("CN=Kellerbox VPN CA", ca.SubjectDN.ToString());
        Assert.Equal(ca.SubjectDN.ToString(), ca.IssuerDN.ToString());
        ca.Verify(ca.GetPublicKey()); // self-signed: throws if not
        Assert.Equal(2048, ((Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters)ca.GetPublicKey()).Modulus.BitLength);
        Assert.Equal(0, ca.GetBasicConstraints()); // CA with path length 0
        Assert.True(Critical(ca, X509Extensions.BasicConstraints));
        Assert.True(Critical(ca, X509Extensions.KeyUsage));
        bool[] ku = ca.GetKeyUsage();
        Assert.True(ku[5] && ku[6]); // keyCertSign, cRLSign
        Assert.False(ku[0] || ku[2]); // not a signing or encryption key for anything else
        Assert.InRange(ca.NotAfter - ca.NotBefore, TimeSpan.FromDays(3650), TimeSpan.FromDays(3654));
        Assert.True(ca.NotBefore <= T0.UtcDateTime);
        Assert.Equal("1.2.840.113549.1.1.11", ca.SigAlgOid); // sha256WithRSAEncryption
    }

    [Fact]
    public void Server_certificate_carries_what_windows_and_apple_check()
    {
        var (ca, server) = Created("vpn.example.org", "203.0.113.7");
        server.Verify(ca.GetPublicKey());
        Assert.Equal("CN=vpn.example.org", server.SubjectDN.ToString());
        Assert.Equal(ca.SubjectDN.ToString(), server.IssuerDN.ToString());
        Assert.Equal(-1, server.GetBasicConstraints()); // not a CA
        bool[] ku = server.GetKeyUsage();
        Assert.True(ku[0] && ku[2]); // digitalSignature, keyEncipherment
        Assert.False(ku[5]);
        var eku = server.GetExtendedKeyUsage().Select(o => o.Id).ToList();
        Assert.Contains("1.3.6.1.5.5.7.3.1", eku);   // serverAuth
        Assert.Contains("1.3.6.1.5.5.8.2.2", eku);   // IKE intermediate
        // The typed address is a dNSName AND an iPAddress; the host name a dNSName.
        Assert.Equal([(GeneralName.DnsName, "vpn.example.org"), (GeneralName.DnsName, "203.0.113.7"), (GeneralName.IPAddress, "203.0.113.7")], San(server));
        Assert.True(server.NotAfter <= ca.NotAfter);
        Assert.InRange(server.NotAfter - T0.UtcDateTime, TimeSpan.FromDays(824), TimeSpan.FromDays(825));
    }

    [Fact]
    public void Chain_validates_in_dotnet_with_the_ca_as_the_only_trust_anchor()
    {
        var (ca, server) = Created();
        using var caCert = X509CertificateLoader.LoadCertificate(ca.GetEncoded());
        using var leaf = X509CertificateLoader.LoadCertificate(server.GetEncoded());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(caCert);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = T0.UtcDateTime.AddDays(1);
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));

        // Another CA of the same name is not trusted: validation is by key, not by name.
        using var other = new CertificateAuthorityTests();
        var (otherCa, _) = other.Created();
        using var chain2 = new X509Chain();
        chain2.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain2.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificate(otherCa.GetEncoded()));
        chain2.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain2.ChainPolicy.VerificationTime = T0.UtcDateTime.AddDays(1);
        Assert.False(chain2.Build(leaf));
    }

    [Fact]
    public void Openssl_verifies_the_server_certificate_against_the_exported_ca()
    {
        Created();
        System.IO.File.WriteAllText(File("ca.pem"), _ca.CaPem());
        System.IO.File.WriteAllText(File("server.pem"), new string(PemEncoding.Write("CERTIFICATE", _store.ReadKeyPair(StoredKeyPair.Server)!.CertificateDer)));
        var ok = OpenSsl.Run("verify", "-CAfile", File("ca.pem"), "-purpose", "sslserver", File("server.pem"));
        Assert.True(ok.ExitCode == 0, ok.All);
        Assert.Contains(": OK", ok.Stdout);

        // Control: the same check against a stranger's CA fails, so the pass above means something.
        using var other = new CertificateAuthorityTests();
        other.Created();
        System.IO.File.WriteAllText(File("other-ca.pem"), other._ca.CaPem());
        Assert.NotEqual(0, OpenSsl.Run("verify", "-CAfile", File("other-ca.pem"), File("server.pem")).ExitCode);
    }

    [Fact]
    public void Ensure_created_is_idempotent_and_renews_the_server_certificate_before_it_expires()
    {
        var (ca1, server1) = Created("vpn.example.org", "203.0.113.7");
        Assert.Empty(_ca.EnsureCreated("Kellerbox", ["ignored.example"]));
        Assert.Equal(server1.GetEncoded(), _store.ReadKeyPair(StoredKeyPair.Server)!.CertificateDer);

        _clock.Now = T0 + CertificateProfiles.ServerValidity - TimeSpan.FromDays(10);
        var done = _ca.EnsureCreated("Kellerbox", ["ignored.example"]);
        Assert.Equal(["renewed the server certificate (expiring)"], done);
        var server2 = new BcCertificate(_store.ReadKeyPair(StoredKeyPair.Server)!.CertificateDer);
        Assert.NotEqual(server1.SerialNumber, server2.SerialNumber);
        Assert.Equal(San(server1), San(server2)); // names kept, defaults not used
        server2.Verify(ca1.GetPublicKey());
        Assert.Equal(ca1.GetEncoded(), _store.ReadKeyPair(StoredKeyPair.Ca)!.CertificateDer);
    }

    [Fact]
    public void An_unset_clock_is_refused_instead_of_making_certificates_that_expire_at_once()
    {
        _clock.Now = new DateTimeOffset(1970, 1, 1, 0, 0, 42, TimeSpan.Zero);
        var e = Assert.Throws<CertificateException>(() => _ca.EnsureCreated("box", ["box.lan"]));
        Assert.Contains("clock", e.Message);
        Assert.Null(_store.ReadKeyPair(StoredKeyPair.Ca));
    }

    [Fact]
    public void Private_keys_are_sealed_at_rest_and_bound_to_their_role_and_device_key()
    {
        Created();
        using var creds = _ca.LoadServerCredentials();
        byte[] pkcs8 = creds.ServerKey.ExportPkcs8PrivateKey();
        byte[] privateExponent = creds.ServerKey.ExportParameters(true).D!;
        var pairs = new[] { _store.ReadKeyPair(StoredKeyPair.Ca)!, _store.ReadKeyPair(StoredKeyPair.Server)! };
        // Neither the stored value nor the database file holds the private key in the clear
        // (the exponent is found inside the PKCS#8 first, so the search itself is sound).
        Assert.NotEqual(-1, pkcs8.AsSpan().IndexOf(privateExponent.AsSpan(0, 32)));
        Assert.Equal(-1, pairs[1].SealedPrivateKey.AsSpan().IndexOf(privateExponent.AsSpan(0, 32)));
        byte[] db = System.IO.File.ReadAllBytes(File(ApplianceStore.FileName));
        Assert.Equal(-1, db.AsSpan().IndexOf(privateExponent.AsSpan(0, 32)));
        // Bound to the role: the sealed server key does not open as the CA's.
        Assert.Null(_sealer.Unseal(StoredKeyPair.Ca, pairs[1].SealedPrivateKey));
        // Bound to the device key: another key cannot open it, and the service says so.
        using var strangerSealer = new PrivateKeySealer(RandomNumberGenerator.GetBytes(32));
        var stranger = new CertificateAuthority(_store, strangerSealer, _clock);
        var e = Assert.Throws<CertificateException>(() => stranger.LoadServerCredentials());
        Assert.Contains("device key", e.Message);
        // The server key matches the server certificate.
        var cert = X509CertificateLoader.LoadCertificate(creds.ServerCertificate);
        using var pub = cert.GetRSAPublicKey()!;
        byte[] data = [1, 2, 3];
        byte[] sig = creds.ServerKey.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.True(pub.VerifyData(data, sig, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Reissue_takes_the_given_names_and_refuses_bad_ones_without_changing_anything()
    {
        var (ca, server1) = Created();
        Assert.Null(_ca.ReissueServer(["box.dyndns.example", "2001:db8::1", "192.0.2.1"]));
        var server2 = new BcCertificate(_store.ReadKeyPair(StoredKeyPair.Server)!.CertificateDer);
        server2.Verify(ca.GetPublicKey());
        Assert.Equal("CN=box.dyndns.example", server2.SubjectDN.ToString());
        Assert.Equal([(GeneralName.DnsName, "box.dyndns.example"), (GeneralName.DnsName, "2001:db8::1"), (GeneralName.DnsName, "192.0.2.1"),
            (GeneralName.IPAddress, "2001:db8::1"), (GeneralName.IPAddress, "192.0.2.1")], San(server2));
        Assert.NotEqual(server1.GetPublicKey(), server2.GetPublicKey());

        foreach (var bad in new[] { new[] { "bad name" }, ["under_score.example"], ["-x.example"], ["1.2.3.999"], [], [""] })
            Assert.StartsWith("names:", _ca.ReissueServer(bad));
        Assert.Equal(server2.GetEncoded(), _store.ReadKeyPair(StoredKeyPair.Server)!.CertificateDer);
    }

    [Theory]
    [InlineData("alice", GeneralName.DnsName)]
    [InlineData("bob@example.org", GeneralName.Rfc822Name)]
    public void Client_certificates_name_the_user_in_the_san(string name, int tag)
    {
        var (ca, _) = Created();
        Assert.Null(_ca.IssueClient(name, "export-pass-1", out byte[] p12, out var info));
        var store = new Pkcs12StoreBuilder().Build();
        store.Load(new MemoryStream(p12), "export-pass-1".ToCharArray());
        var alias = Assert.Single(store.Aliases, store.IsKeyEntry);
        var chain = store.GetCertificateChain(alias);
        var leaf = chain[0].Certificate;
        leaf.Verify(ca.GetPublicKey());
        Assert.Equal($"CN={name}", leaf.SubjectDN.ToString());
        Assert.Equal([(tag, name)], San(leaf));
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], leaf.GetExtendedKeyUsage().Select(o => o.Id).ToList()); // clientAuth
        Assert.True(leaf.GetKeyUsage()[0]);
        Assert.Equal(info!.SerialHex, leaf.SerialNumber.ToString(16));
        Assert.Contains(_store.ListIssuedCertificates(), c => c.Name == name && c.SerialHex == info.SerialHex);
    }

    [Fact]
    public void Pkcs12_round_trips_in_bouncycastle_dotnet_and_openssl_without_the_legacy_provider()
    {
        var (ca, _) = Created();
        Assert.Null(_ca.IssueClient("carol", "s3cret-Pass", out byte[] p12, out _));
        System.IO.File.WriteAllBytes(File("carol.p12"), p12);

        // BouncyCastle: key entry with the chain leaf -> CA, and the key belongs to the leaf.
        var bc = new Pkcs12StoreBuilder().Build();
        bc.Load(new MemoryStream(p12), "s3cret-Pass".ToCharArray());
        string alias = Assert.Single(bc.Aliases, bc.IsKeyEntry);
        Assert.Equal("carol", alias);
        var chain = bc.GetCertificateChain(alias);
        Assert.Equal(2, chain.Length);
        Assert.Equal(ca.GetEncoded(), chain[1].Certificate.GetEncoded());
        var key = (Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters)bc.GetKey(alias).Key;
        Assert.Equal(((Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters)chain[0].Certificate.GetPublicKey()).Modulus, key.Modulus);
        Assert.Throws<IOException>(() => new Pkcs12StoreBuilder().Build().Load(new MemoryStream(p12), "wrong-password".ToCharArray()));

        // .NET (OpenSSL underneath): the certificate comes with its private key.
        using (var dotnet = X509CertificateLoader.LoadPkcs12(p12, "s3cret-Pass"))
        {
            Assert.True(dotnet.HasPrivateKey);
            Assert.Equal("CN=carol", dotnet.Subject);
        }

        // openssl 3 with only the default provider: certificates and key read, algorithms as promised.
        var nokeys = OpenSsl.Run("pkcs12", "-in", File("carol.p12"), "-nokeys", "-passin", "pass:s3cret-Pass");
        Assert.True(nokeys.ExitCode == 0, nokeys.All);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(nokeys.Stdout, "BEGIN CERTIFICATE").Count);
        var keys = OpenSsl.Run("pkcs12", "-in", File("carol.p12"), "-nocerts", "-nodes", "-passin", "pass:s3cret-Pass");
        Assert.True(keys.ExitCode == 0, keys.All);
        Assert.Contains("BEGIN PRIVATE KEY", keys.Stdout);
        var info = OpenSsl.Run("pkcs12", "-in", File("carol.p12"), "-info", "-noout", "-passin", "pass:s3cret-Pass");
        Assert.True(info.ExitCode == 0, info.All);
        Assert.Contains("MAC: sha1", info.All);
        Assert.Contains("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC", info.All);
        Assert.Contains("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC", info.All);
        Assert.DoesNotContain("AES", info.All);
        Assert.NotEqual(0, OpenSsl.Run("pkcs12", "-in", File("carol.p12"), "-nokeys", "-passin", "pass:wrong-password").ExitCode);

        // And the client certificate verifies against the exported CA, for client use.
        System.IO.File.WriteAllText(File("ca.pem"), _ca.CaPem());
        System.IO.File.WriteAllText(File("carol.pem"), nokeys.Stdout);
        var verify = OpenSsl.Run("verify", "-CAfile", File("ca.pem"), "-purpose", "sslclient", File("carol.pem"));
        Assert.True(verify.ExitCode == 0, verify.All);
    }

    [Theory]
    [InlineData("", "s3cret-Pass", "name:")]
    [InlineData("al ice", "s3cret-Pass", "name:")]
    [InlineData("a@b@c", "s3cret-Pass", "name:")]
    [InlineData("@example.org", "s3cret-Pass", "name:")]
    [InlineData("CN=x,O=y", "s3cret-Pass", "name:")]
    [InlineData("alice", "short", "password:")]
    [InlineData("alice", "pässwort-lang", "password:")]
    public void Client_issue_refusals_name_the_field_and_issue_nothing(string name, string password, string prefix)
    {
        Created();
        Assert.StartsWith(prefix, _ca.IssueClient(name, password, out var p12, out _));
        Assert.Empty(p12);
        Assert.Empty(_store.ListIssuedCertificates());
    }

    [Fact]
    public void A_box_name_with_dn_syntax_cannot_inject_attributes()
    {
        _ca.EnsureCreated("Evil, O=Trusted Corp+CN=x", ["box.lan"]);
        var ca = new BcCertificate(_store.ReadKeyPair(StoredKeyPair.Ca)!.CertificateDer);
        var cns = ca.SubjectDN.GetValueList(X509Name.CN);
        Assert.Equal(["Evil, O=Trusted Corp+CN=x VPN CA"], cns);
        Assert.Empty(ca.SubjectDN.GetValueList(X509Name.O));
    }

    [Fact]
    public void Server_credentials_are_what_the_ike_responder_accepts()
    {
        Created();
        using var creds = _ca.LoadServerCredentials();
        // Create checks that the key signs for the certificate and that the CA is a CA.
        var ike = Appliance.Protocols.Ike.Auth.IkeCertificateCredentials.Create(creds.ServerCertificate,
            new Appliance.Protocols.Ike.Auth.RsaKeySigner(creds.ServerKey), [creds.CaCertificate]);
        Assert.Equal(new BcCertificate(creds.ServerCertificate).SubjectDN.GetEncoded(), ike.ServerSubjectDn);
    }

    [Fact]
    public void Factory_reset_forgets_the_ca_so_old_client_certificates_stop_being_trusted()
    {
        var (ca1, _) = Created();
        Assert.Null(_ca.IssueClient("dave", "s3cret-Pass", out _, out _));
        _store.Reset(new Dictionary<string, string>());
        Assert.Null(_store.ReadKeyPair(StoredKeyPair.Ca));
        Assert.Empty(_store.ListIssuedCertificates());
        var (ca2, _) = Created();
        Assert.NotEqual(ca1.GetPublicKey(), ca2.GetPublicKey());
    }
}
