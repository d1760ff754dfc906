using System.Security.Cryptography;
using Appliance.Services.Admin;
using Appliance.Services.Config;
using Appliance.Services.Users;
using Appliance.Store;

namespace Appliance.Host;

/// <summary>
/// The services over one data directory, as both the daemon and the management commands use them:
/// the store, the configuration (initialized on first use), users and the admin credential.
/// </summary>
internal sealed class Station : IDisposable
{
    private readonly PasswordSealer _sealer;

    private Station(string dataDir, ApplianceStore store, byte[] deviceKey)
    {
        DataDir = dataDir;
        Store = store;
        _sealer = new PasswordSealer(deviceKey);
        CryptographicOperations.ZeroMemory(deviceKey);
        Config = new ConfigService(store, RandomNumberGenerator.GetInt32);
        Users = new UserService(store, _sealer, TimeProvider.System);
        Admin = new AdminCredentials(store, TimeProvider.System);
    }

    public string DataDir { get; }
    public ApplianceStore Store { get; }
    public ConfigService Config { get; }
    public UserService Users { get; }
    public AdminCredentials Admin { get; }

    /// <exception cref="StoreException">The store cannot be opened.</exception>
    /// <exception cref="InvalidDataException">The device key is damaged.</exception>
    public static Station Open(string dataDir)
    {
        var store = ApplianceStore.Open(dataDir);
        try
        {
            return new Station(dataDir, store, DeviceKey.LoadOrCreate(dataDir));
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _sealer.Dispose();
        Store.Dispose();
    }
}
