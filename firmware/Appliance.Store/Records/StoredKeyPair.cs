namespace Appliance.Store.Records;

/// <summary>One of the box's own certificates with its private key (the CA, the IKE server).</summary>
/// <param name="Id">Which one: <see cref="Ca"/> or <see cref="Server"/>.</param>
/// <param name="CertificateDer">The X.509 certificate, DER.</param>
/// <param name="SealedPrivateKey">The PKCS#8 private key sealed with the device key (AES-256-GCM,
/// bound to <paramref name="Id"/>): a database copied off the box reveals no key.</param>
/// <param name="StoredUtc">When this certificate was stored.</param>
public sealed record StoredKeyPair(string Id, byte[] CertificateDer, byte[] SealedPrivateKey, DateTime StoredUtc)
{
    public const string Ca = "ca";
    public const string Server = "server";
}
