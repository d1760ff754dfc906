using System.Security.Cryptography;

namespace Appliance.Services.Users;

/// <summary>
/// A random 256-bit key kept in its own file (mode 0600) in the data directory, used to seal the
/// VPN users' passwords in the database. A database copied off the box, or a config export, does
/// not reveal passwords; root on the box can read both files, which no scheme that must answer
/// CHAP-MD5 and PAP can avoid.
/// </summary>
public static class DeviceKey
{
    public const string FileName = "device.key";
    public const int Length = 32;

    public static byte[] LoadOrCreate(string dataDir)
    {
        string path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            byte[] key = File.ReadAllBytes(path);
            if (key.Length != Length)
                throw new InvalidDataException($"{path} is damaged ({key.Length} bytes, expected {Length}); users' passwords cannot be unsealed");
            return key;
        }
        byte[] fresh = RandomNumberGenerator.GetBytes(Length);
        try
        {
            // CreateNew through the atomic writer's rename: two processes creating it at once
            // would otherwise each seal with a different key.
            string temp = path + $".{Environment.ProcessId}.new";
            AtomicFile.Write(temp, fresh, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try { File.Move(temp, path, overwrite: false); }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
                CryptographicOperations.ZeroMemory(fresh);
                return LoadOrCreate(dataDir);
            }
            return fresh;
        }
        catch
        {
            CryptographicOperations.ZeroMemory(fresh);
            throw;
        }
    }
}
