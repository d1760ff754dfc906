using System.Security.Cryptography;
using Appliance.Store;
using Appliance.Store.Records;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace Appliance.Services.Certificates;

/// <summary>
/// The box's own certificate authority: made on first use, it issues the IKE server certificate
/// and client certificates. Private keys are kept in the store sealed under the device key
/// (<see cref="PrivateKeySealer"/>); a client's key is never kept: it leaves in the PKCS#12 file.
/// </summary>
public sealed class CertificateAuthority(ApplianceStore store, PrivateKeySealer sealer, TimeProvider time)
{
    /// <summary>A box without a real-time clock starts in 1970 until NTP answers; certificates made
    /// then would expire at once (or, backdated to 1970, be rejected as absurd). Refuse instead.</summary>
    public static readonly DateTime EarliestPlausibleTime = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    /// <summary>The server certificate is re-issued when it has less than this left.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);
    public const int MaxBoxNameLength = 64;

    /// <summary>
    /// Makes what is missing: the CA ("BOX VPN CA") on first use, and a server certificate when
    /// there is none, it is not from the current CA, or it expires within <see cref="RenewBefore"/>
    /// (keeping its names; <paramref name="defaultServerNames"/> for a first one). Safe to call at
    /// every start and from two processes at once. Returns what it did, for the log.
    /// </summary>
    /// <exception cref="CertificateException">The clock is not set, a name is refused, or a sealed key
    /// does not open (device key replaced).</exception>
    public IReadOnlyList<string> EnsureCreated(string boxName, IReadOnlyList<string> defaultServerNames)
    {
        var done = new List<string>();
        DateTime now = Now();
        if (store.ReadKeyPair(StoredKeyPair.Ca) is null)
        {
            string name = CleanBoxName(boxName);
            using var key = CertificateProfiles.NewKey();
            var ca = CertificateProfiles.CreateCa(name, key, now);
            if (store.AddKeyPairIfAbsent(Pair(StoredKeyPair.Ca, ca, key, now))) done.Add("created the CA");
        }
        var caPair = store.ReadKeyPair(StoredKeyPair.Ca)!;
        var caCert = new X509Certificate(caPair.CertificateDer);
        var server = store.ReadKeyPair(StoredKeyPair.Server);
        string? why = server is null ? "issued the server certificate"
            : !IssuedBy(new X509Certificate(server.CertificateDer), caCert) ? "re-issued the server certificate (the CA changed)"
            : new X509Certificate(server.CertificateDer).NotAfter - now < RenewBefore ? "renewed the server certificate (expiring)"
            : null;
        if (why is null) return done;
        IEnumerable<string> names = server is null ? defaultServerNames : DnsNamesOf(new X509Certificate(server.CertificateDer));
        if (ServerName.TryParseList(names, out var parsed) is { } refusal)
            throw new CertificateException($"server certificate names: {refusal}");
        if (IssueServer(caPair, parsed, server?.CertificateDer, now)) done.Add(why);
        return done;
    }

    /// <summary>Re-issues the server certificate (new key) for <paramref name="names"/>, the first
    /// becoming its CN. Returns the refusal, or null.</summary>
    public string? ReissueServer(IReadOnlyList<string> names)
    {
        if (ServerName.TryParseList(names, out var parsed) is { } refusal) return $"names: {refusal}";
        var caPair = RequireCa();
        var current = store.ReadKeyPair(StoredKeyPair.Server);
        return IssueServer(caPair, parsed, current?.CertificateDer, Now()) ? null
            : "the server certificate was changed by another process meanwhile; try again";
    }

    /// <summary>Issues a client certificate for <paramref name="name"/> and returns it as a PKCS#12
    /// file protected by <paramref name="password"/> (with the CA certificate inside). Returns the
    /// refusal, naming the field, or null.</summary>
    public string? IssueClient(string name, string password, out byte[] pkcs12, out CertificateInfo? info)
    {
        pkcs12 = [];
        info = null;
        if (ClientIdentity.TryParse(name, out var identity) is { } n) return $"name: {n}";
        if (Pkcs12Export.CheckPassword(password) is { } p) return $"password: {p}";
        var caPair = RequireCa();
        DateTime now = Now();
        var ca = new X509Certificate(caPair.CertificateDer);
        using var caKey = UnsealKey(caPair);
        using var key = CertificateProfiles.NewKey();
        var cert = CertificateProfiles.IssueClient(ca, caKey, key, identity!, now);
        pkcs12 = Pkcs12Export.Write(key, cert, ca, identity!.Name, password);
        info = CertificateInfo.Of(cert);
        store.AddIssuedCertificate(new IssuedCertificate(info.SerialHex, identity.Name, cert.GetEncoded(), now));
        return null;
    }

    public CertificateInfo DescribeCa() => CertificateInfo.Of(RequireCa().CertificateDer);

    public CertificateInfo DescribeServer() =>
        CertificateInfo.Of((store.ReadKeyPair(StoredKeyPair.Server) ?? throw new CertificateException("no server certificate yet")).CertificateDer);

    public IReadOnlyList<IssuedCertificate> Issued() => store.ListIssuedCertificates();

    /// <summary>The CA certificate in PEM, for clients to import as a trusted root.</summary>
    public string CaPem() => new string(System.Security.Cryptography.PemEncoding.Write("CERTIFICATE", RequireCa().CertificateDer)) + "\n";

    /// <summary>The server certificate and key and the CA certificate, for the IKE responder.</summary>
    public ServerCredentials LoadServerCredentials()
    {
        var caPair = RequireCa();
        var server = store.ReadKeyPair(StoredKeyPair.Server) ?? throw new CertificateException("no server certificate yet");
        return new ServerCredentials(server.CertificateDer, UnsealKey(server), caPair.CertificateDer);
    }

    private bool IssueServer(StoredKeyPair caPair, List<ServerName> names, byte[]? expectedCurrent, DateTime now)
    {
        var ca = new X509Certificate(caPair.CertificateDer);
        using var caKey = UnsealKey(caPair);
        using var key = CertificateProfiles.NewKey();
        var cert = CertificateProfiles.IssueServer(ca, caKey, key, names, now);
        return store.ReplaceKeyPair(Pair(StoredKeyPair.Server, cert, key, now), expectedCurrent);
    }

    private StoredKeyPair Pair(string id, X509Certificate cert, RSA key, DateTime now)
    {
        byte[] pkcs8 = key.ExportPkcs8PrivateKey();
        try { return new StoredKeyPair(id, cert.GetEncoded(), sealer.Seal(id, pkcs8), now); }
        finally { CryptographicOperations.ZeroMemory(pkcs8); }
    }

    private RSA UnsealKey(StoredKeyPair pair)
    {
        byte[] pkcs8 = sealer.Unseal(pair.Id, pair.SealedPrivateKey)
            ?? throw new CertificateException($"the {pair.Id} private key does not open with this box's device key " +
                "(device.key replaced or the store copied from another box); 'appliance factory-reset --yes' makes new ones");
        var key = RSA.Create();
        try { key.ImportPkcs8PrivateKey(pkcs8, out _); return key; }
        catch (CryptographicException e) { key.Dispose(); throw new CertificateException($"the {pair.Id} private key is damaged", e); }
        finally { CryptographicOperations.ZeroMemory(pkcs8); }
    }

    private StoredKeyPair RequireCa() =>
        store.ReadKeyPair(StoredKeyPair.Ca) ?? throw new CertificateException("the box has no CA yet");

    private DateTime Now()
    {
        DateTime now = time.GetUtcNow().UtcDateTime;
        if (now < EarliestPlausibleTime)
            throw new CertificateException($"the clock says {now:yyyy-MM-dd}: set the time (NTP) before the box makes certificates");
        return now;
    }

    private static bool IssuedBy(X509Certificate cert, X509Certificate ca)
    {
        if (!cert.IssuerDN.Equivalent(ca.SubjectDN)) return false;
        try { cert.Verify(ca.GetPublicKey()); return true; }
        catch (Exception e) when (e is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.Certificates.CertificateException
                                      or Org.BouncyCastle.Security.SignatureException) { return false; }
    }

    /// <summary>The dNSName entries of a certificate: every name it was issued for (addresses are
    /// there too, see <see cref="ServerName"/>).</summary>
    internal static IEnumerable<string> DnsNamesOf(X509Certificate cert) =>
        cert.GetSubjectAlternativeNameExtension()?.GetNames()
            .Where(n => n.TagNo == GeneralName.DnsName)
            .Select(n => DerIA5String.GetInstance(n.Name).GetString()) ?? [];

    private static string CleanBoxName(string boxName)
    {
        string name = new string(boxName.Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (name.Length == 0) name = "Home";
        return name.Length > MaxBoxNameLength ? name[..MaxBoxNameLength] : name;
    }
}
