using System.Security.Cryptography;

namespace Appliance.Services.Certificates;

/// <summary>What the IKE responder needs to authenticate with signatures: the server certificate
/// and its private key, and the CA certificate clients' certificates must chain to (all DER).
/// Dispose clears the key.</summary>
public sealed class ServerCredentials(byte[] serverCertificate, RSA serverKey, byte[] caCertificate) : IDisposable
{
    public byte[] ServerCertificate { get; } = serverCertificate;
    public RSA ServerKey { get; } = serverKey;
    public byte[] CaCertificate { get; } = caCertificate;

    public void Dispose() => ServerKey.Dispose();
}
