namespace Appliance.Protocols.Crypto;

/// <summary>
/// Creates <see cref="IDiffieHellman"/> key pairs by IKE group number, and answers what the
/// appliance supports. Anything outside groups 2, 5, 14, 15, 16, 19, 20 is refused, in particular
/// group 1 (768-bit) and the RFC 5114 groups with unverifiable subgroups.
/// </summary>
public static class DiffieHellmanGroups
{
    /// <summary>The supported IANA group numbers, strongest-last within each family.</summary>
    public static IReadOnlyList<int> Supported { get; } = [2, 5, 14, 15, 16, 19, 20];

    /// <summary>Whether <paramref name="group"/> is supported.</summary>
    public static bool IsSupported(int group) => ModpGroup.FromId(group) is not null || EcpCurve.FromGroup(group) is not null;

    /// <summary>
    /// Length in bytes of the KE payload value (and of our public value) for <paramref name="group"/>;
    /// lets a codec reject a malformed KE payload before any arithmetic.
    /// </summary>
    public static int GetPublicValueLength(int group) =>
        ModpGroup.FromId(group)?.PrimeLength
        ?? (EcpCurve.FromGroup(group)?.CoordinateSize * 2)
        ?? throw Unsupported(group);

    /// <summary>Length in bytes of the shared secret g^xy for <paramref name="group"/>.</summary>
    public static int GetSharedSecretLength(int group) =>
        ModpGroup.FromId(group)?.PrimeLength
        ?? EcpCurve.FromGroup(group)?.CoordinateSize
        ?? throw Unsupported(group);

    /// <summary>Generates a fresh key pair for <paramref name="group"/> from the system CSPRNG.</summary>
    public static IDiffieHellman Create(int group) => Create(group, SystemRandomSource.Instance);

    /// <summary>
    /// Generates a fresh key pair for <paramref name="group"/> with private key material drawn from
    /// <paramref name="random"/>. MODP groups use <see cref="LibcryptoModpDiffieHellman"/> (OpenSSL's
    /// DRBG) when <paramref name="random"/> is <see cref="SystemRandomSource.Instance"/> and libcrypto 3
    /// loads, else <see cref="ModpDiffieHellman"/> with <paramref name="random"/>; to pick one
    /// explicitly, construct it directly. Throws <see cref="ArgumentOutOfRangeException"/> for an unsupported group.
    /// </summary>
    public static IDiffieHellman Create(int group, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (ModpGroup.FromId(group) is { } modp)
        {
            // libcrypto draws the exponent from OpenSSL's DRBG, the generator SystemRandomSource
            // wraps; an injected source (tests) is honoured by the managed implementation.
            return ReferenceEquals(random, SystemRandomSource.Instance) && LibcryptoModpDiffieHellman.IsAvailable
                ? new LibcryptoModpDiffieHellman(modp)
                : new ModpDiffieHellman(modp, random);
        }

        if (EcpCurve.FromGroup(group) is not null)
        {
            return new EcpDiffieHellman(group, random);
        }

        throw Unsupported(group);
    }

    /// <summary>Generates a fresh key pair for <paramref name="group"/> from the system CSPRNG.</summary>
    public static IDiffieHellman Create(DiffieHellmanGroup group) => Create((int)group);

    private static ArgumentOutOfRangeException Unsupported(int group) =>
        new(nameof(group), group, "Unsupported Diffie-Hellman group; supported are 2, 5, 14, 15, 16, 19, 20.");
}
