using System.Security.Cryptography;
using Appliance.Host.Cli;
using Appliance.Protocols.Ike.Auth;
using Appliance.Services.Certificates;
using Appliance.Services.Config;
using Appliance.Services.Logging;
using Appliance.Services.Users;

namespace Appliance.Host.Daemon;

/// <summary>
/// The box's CA and IKE server certificate for clients that authenticate with certificates:
/// made on the first start (the clock must be set), renewed when they near expiry, and loaded for
/// the responder. Without them the box still serves pre-shared-key clients, and says why.
/// </summary>
internal sealed class ServerCertificates : IDisposable
{
    private readonly ServerCredentials _credentials;

    private ServerCertificates(ServerCredentials credentials, IkeCertificateCredentials ike)
    {
        _credentials = credentials;
        Credentials = ike;
    }

    public IkeCertificateCredentials Credentials { get; }

    public static ServerCertificates? Load(Station station, ApplianceConfig config, string dataDir, Log log)
    {
        byte[] deviceKey = DeviceKey.LoadOrCreate(dataDir);
        try
        {
            using var sealer = new PrivateKeySealer(deviceKey);
            var authority = new CertificateAuthority(station.Store, sealer, TimeProvider.System);
            foreach (string done in authority.EnsureCreated(CertCommand.HostName() ?? "Home", CertCommand.DefaultServerNames(config)))
                log.Info("certificates", done);
            var credentials = authority.LoadServerCredentials();
            try
            {
                var ike = IkeCertificateCredentials.Create(credentials.ServerCertificate, new RsaKeySigner(credentials.ServerKey), [credentials.CaCertificate]);
                log.Info("certificates", "certificate authentication available", ("server", authority.DescribeServer().Subject));
                return new ServerCertificates(credentials, ike);
            }
            catch
            {
                credentials.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is CertificateException or ArgumentException or CryptographicException or IOException)
        {
            log.Warn("certificates", "certificate authentication unavailable; pre-shared key only", ("reason", e.Message));
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(deviceKey);
        }
    }

    public void Dispose() => _credentials.Dispose();
}
