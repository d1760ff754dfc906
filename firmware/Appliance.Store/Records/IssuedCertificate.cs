namespace Appliance.Store.Records;

/// <summary>A client certificate the box's CA issued. Only the certificate is kept (for listing
/// and a later revocation list); its private key left the box in the PKCS#12 file.</summary>
/// <param name="SerialHex">Serial number, lower-case hex: the document id.</param>
public sealed record IssuedCertificate(string SerialHex, string Name, byte[] CertificateDer, DateTime IssuedUtc);
