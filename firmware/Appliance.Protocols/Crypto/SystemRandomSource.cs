using System.Security.Cryptography;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// The operating system CSPRNG via <see cref="RandomNumberGenerator"/> (OpenSSL's DRBG seeded from
/// getrandom(2) on Linux). Thread-safe; use the shared <see cref="Instance"/>.
/// </summary>
public sealed class SystemRandomSource : IRandomSource
{
    private SystemRandomSource()
    {
    }

    /// <summary>The process-wide instance.</summary>
    public static SystemRandomSource Instance { get; } = new();

    /// <inheritdoc />
    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);

    /// <summary>Returns <paramref name="count"/> fresh random bytes.</summary>
    public byte[] GetBytes(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var bytes = new byte[count];
        Fill(bytes);
        return bytes;
    }
}
