using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// A finite-field (MODP) Diffie-Hellman group: safe prime p, generator 2, and the private exponent
/// length we use with it. Public so that a later libcrypto-backed <see cref="IDiffieHellman"/> can
/// take the same constants.
/// </summary>
public sealed class ModpGroup
{
    private readonly byte[] _prime;

    private ModpGroup(int id, string primeHex, int exponentBits)
    {
        Id = id;
        _prime = Convert.FromHexString(primeHex.Replace(" ", string.Empty, StringComparison.Ordinal));
        P = new BigInteger(1, _prime);
        PMinusOne = P.Subtract(BigInteger.One);
        PrivateExponentBits = exponentBits;
    }

    /// <summary>Group 2, 1024-bit (RFC 2409 §6.2).</summary>
    public static ModpGroup Modp1024 { get; } = new(2, ModpPrimes.Modp1024, 240);

    /// <summary>Group 5, 1536-bit (RFC 3526 §2).</summary>
    public static ModpGroup Modp1536 { get; } = new(5, ModpPrimes.Modp1536, 240);

    /// <summary>Group 14, 2048-bit (RFC 3526 §3).</summary>
    public static ModpGroup Modp2048 { get; } = new(14, ModpPrimes.Modp2048, 320);

    /// <summary>Group 15, 3072-bit (RFC 3526 §4).</summary>
    public static ModpGroup Modp3072 { get; } = new(15, ModpPrimes.Modp3072, 420);

    /// <summary>Group 16, 4096-bit (RFC 3526 §5).</summary>
    public static ModpGroup Modp4096 { get; } = new(16, ModpPrimes.Modp4096, 480);

    /// <summary>IANA group number.</summary>
    public int Id { get; }

    /// <summary>The generator; 2 for every RFC 2409 / RFC 3526 group.</summary>
    public int Generator => 2;

    /// <summary>The prime, big-endian, exactly <see cref="PrimeLength"/> bytes.</summary>
    public ReadOnlySpan<byte> Prime => _prime;

    /// <summary>Prime (and therefore public value and shared secret) length in bytes.</summary>
    public int PrimeLength => _prime.Length;

    /// <summary>
    /// Bits in a freshly generated private exponent. The primes are safe primes, so a short
    /// exponent is sound; the lengths are RFC 3526 §8's upper "exponent size" estimates (twice the
    /// group's strength), and group 2 uses the group 5 figure. A full-length exponent would make
    /// every exchange several times slower for no gain in strength.
    /// </summary>
    public int PrivateExponentBits { get; }

    /// <summary>p as a BouncyCastle integer.</summary>
    internal BigInteger P { get; }

    /// <summary>p - 1, the exclusive upper bound for a valid public value.</summary>
    internal BigInteger PMinusOne { get; }

    /// <summary>Returns the group with IANA number <paramref name="id"/>, or null if it is not a supported MODP group.</summary>
    public static ModpGroup? FromId(int id) => id switch
    {
        2 => Modp1024,
        5 => Modp1536,
        14 => Modp2048,
        15 => Modp3072,
        16 => Modp4096,
        _ => null,
    };
}
