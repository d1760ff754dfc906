using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Appliance.Services.Certificates;

/// <summary>
/// A client's key, certificate and the box's CA in one PKCS#12 file that every client imports:
/// key and certificates encrypted with pbeWithSHAAnd3-KeyTripleDES-CBC and the file protected by
/// an HMAC-SHA1 MAC. The PBES2/AES-256 + SHA-256 MAC that OpenSSL 3 writes by default is refused
/// by macOS before 13 and iOS before 16, and by Windows before 10 1709 ("the password is
/// incorrect"); RC2-40, the older default for certificates, needs OpenSSL 3's legacy provider.
/// 3DES is the one cipher all of them read. The MAC uses BouncyCastle's 1024 iterations.
/// </summary>
public static class Pkcs12Export
{
    public const int MinPasswordLength = 8, MaxPasswordLength = 128;

    /// <summary>Why a password cannot protect an export, or null.</summary>
    public static string? CheckPassword(string password)
    {
        if (password.Length < MinPasswordLength) return $"must be at least {MinPasswordLength} characters";
        if (password.Length > MaxPasswordLength) return $"must be at most {MaxPasswordLength} characters";
        foreach (char c in password)
        {
            // PKCS#12 passwords are BMPStrings; implementations have disagreed on how to turn
            // non-ASCII input into one (OpenSSL before 1.1.0 used the UTF-8 bytes), so a file
            // protected by "é" opens on one system and "wrong password" on another.
            if (c is < ' ' or > '~') return "only printable ASCII characters (older clients read others differently)";
        }
        return null;
    }

    public static byte[] Write(RSA key, X509Certificate certificate, X509Certificate ca, string friendlyName, string password)
    {
        var store = new Pkcs12StoreBuilder()
            .SetKeyAlgorithm(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc)
            .SetCertAlgorithm(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc)
            .SetUseDerEncoding(true)
            .Build();
        var pair = DotNetUtilities.GetRsaKeyPair(key);
        store.SetKeyEntry(friendlyName, new AsymmetricKeyEntry(pair.Private),
            [new X509CertificateEntry(certificate), new X509CertificateEntry(ca)]);
        using var output = new MemoryStream();
        char[] chars = password.ToCharArray();
        try { store.Save(output, chars, new SecureRandom()); }
        finally { Array.Clear(chars); }
        return output.ToArray();
    }
}
