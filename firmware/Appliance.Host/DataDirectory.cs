namespace Appliance.Host;

/// <summary>
/// The directory that holds the store, the device key and the control socket. The daemon creates
/// it; management commands only use an existing one, so a mistyped --data does not quietly make a
/// second, empty box.
/// </summary>
internal static class DataDirectory
{
    public const string Default = "/var/lib/appliance";

    public static string Resolve(string? option) =>
        Path.GetFullPath(option ?? Environment.GetEnvironmentVariable("APPLIANCE_DATA") ?? Default);

    /// <summary>Returns why the directory cannot be used, or null.</summary>
    public static string? Prepare(string path, bool create)
    {
        try
        {
            if (File.Exists(path)) return $"data directory {path} is a file, not a directory";
            if (!Directory.Exists(path))
            {
                if (!create) return $"data directory {path} does not exist (start the daemon with 'appliance run --data {path}' to create it)";
                string? parent = Path.GetDirectoryName(path);
                if (parent is not null && !Directory.Exists(parent)) return $"cannot create data directory {path}: {parent} does not exist";
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            // Writable? Creating a file is the only test that covers read-only mounts and ACLs.
            string probe = Path.Combine(path, $".write-test.{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"data directory {path} is not usable: {e.Message}";
        }
    }
}
