namespace Appliance.Host.Daemon;

/// <summary>
/// One daemon per data directory: an exclusive lock on DATA/daemon.lock (.NET takes an advisory
/// flock for FileShare.None on Linux), released by the kernel even when the process is killed.
/// </summary>
internal sealed class DaemonLock : IDisposable
{
    public const string FileName = "daemon.lock";
    private readonly FileStream _file;

    private DaemonLock(FileStream file) => _file = file;

    public static DaemonLock? TryAcquire(string dataDir)
    {
        try
        {
            return new DaemonLock(new FileStream(Path.Combine(dataDir, FileName), new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }));
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _file.Dispose();
}
