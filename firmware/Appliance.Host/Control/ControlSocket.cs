namespace Appliance.Host.Control;

/// <summary>Where the daemon's control socket lives and how big a message may be.</summary>
internal static class ControlSocket
{
    public const string FileName = "control.sock";
    public const int MaxMessageBytes = 64 * 1024;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    // sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
    public const int MaxPathBytes = 107;

    public static string PathIn(string dataDir) => Path.Combine(dataDir, FileName);
}
