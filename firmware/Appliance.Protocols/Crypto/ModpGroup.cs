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
    public static ModpGroup Modp1024 { get; } = new(2, ModpPrimes.Modp1024, 256);

    /// <summary>Group 5, 1536-bit (RFC 3526 §2).</summary>
    public static ModpGroup Modp1536 { get; } = new(5, ModpPrimes.Modp1536, 256);

    /// <summary>Group 14, 2048-bit (RFC 3526 §3).</summary>
    public static ModpGroup Modp2048 { get; } = new(14, ModpPrimes.Modp2048, 256);

    /// <summary>Group 15, 3072-bit (RFC 3526 §4).</summary>
    public static ModpGroup Modp3072 { get; } = new(15, ModpPrimes.Modp3072, 288);

    /// <summary>Group 16, 4096-bit (RFC 3526 §5).</summary>
    public static ModpGroup Modp4096 { get; } = new(16, ModpPrimes.Modp4096, 320);

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
    /// exponent is sound as long as it is at least twice the group's security strength s (an
    /// exponent of N bits falls to a 2^(N/2) collision search): NIST SP 800-56A Rev. 3 §5.6.1.1.4
    /// asks N >= 2s for these groups, and OpenSSL generates exactly 2s bits for them. Here
    /// N = 2s with s the higher of NIST SP 800-57's and RFC 3526 §8's lower estimate (MODP-2048:
    /// 112/110, MODP-3072: 128/130, MODP-4096: 152/150), rounded up to 32 bits and never below
    /// 256: 256, 256, 256, 288, 320 for groups 2, 5, 14, 15, 16. Both exponentiations of an
    /// exchange cost in proportion to N; a full-length exponent would make every exchange several
    /// times slower for no gain in strength, since the discrete logarithm in the group itself
    /// costs no more than 2^s.
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
