using System.Security.Cryptography;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// Finite-field Diffie-Hellman over an RFC 2409 / RFC 3526 MODP group, using BouncyCastle's
/// managed big-integer arithmetic (.NET has no DH). Behind <see cref="IDiffieHellman"/> so it can
/// be replaced by a libcrypto-backed implementation when exchange rate matters.
/// <para>
/// Limitation: BouncyCastle integers are immutable and not constant-time, so the private exponent
/// cannot be wiped from memory on <see cref="Dispose"/>, only dropped; a libcrypto backend would
/// fix both.
/// </para>
/// </summary>
public sealed class ModpDiffieHellman : IDiffieHellman
{
    private static readonly BigInteger Two = BigInteger.Two;

    private readonly ModpGroup _group;
    private readonly byte[] _publicValue;
    private BigInteger? _privateExponent;

    /// <summary>
    /// Generates a key pair: a private exponent of exactly <see cref="ModpGroup.PrivateExponentBits"/>
    /// bits drawn from <paramref name="random"/>, and public value g^x mod p.
    /// </summary>
    public ModpDiffieHellman(ModpGroup group, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(random);
        _group = group;

        int bits = group.PrivateExponentBits;
        var buffer = new byte[(bits + 7) / 8];
        try
        {
            random.Fill(buffer);

            // Keep exactly `bits` bits and force the top one, so x is never small (and never 0 or 1).
            int excess = (buffer.Length * 8) - bits;
            buffer[0] &= (byte)(0xFF >> excess);
            buffer[0] |= (byte)(0x80 >> excess);
            _privateExponent = new BigInteger(1, buffer);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }

        _publicValue = ComputePublicValue();
    }

    /// <summary>Test hook: a key pair with a chosen private exponent (big-endian, 1 &lt; x &lt; p-1).</summary>
    internal ModpDiffieHellman(ModpGroup group, ReadOnlySpan<byte> privateExponent)
    {
        ArgumentNullException.ThrowIfNull(group);
        _group = group;
        var x = new BigInteger(1, privateExponent);
        if (x.CompareTo(BigInteger.One) <= 0 || x.CompareTo(group.PMinusOne) >= 0)
        {
            throw new ArgumentException("Private exponent must satisfy 1 < x < p-1.", nameof(privateExponent));
        }

        _privateExponent = x;
        _publicValue = ComputePublicValue();
    }

    /// <inheritdoc />
    public int Group => _group.Id;

    /// <summary>The MODP group in use.</summary>
    public ModpGroup ModpGroup => _group;

    /// <inheritdoc />
    public ReadOnlySpan<byte> PublicValue => _publicValue;

    /// <summary>
    /// Whether <paramref name="value"/> is an acceptable peer public value for <paramref name="group"/>:
    /// exactly the prime length (RFC 2409 §5 requires zero-prepending to that length) and
    /// 1 &lt; y &lt; p-1, which excludes the values that force a known shared secret
    /// (0, 1, p-1) and anything not reduced mod p (NIST SP 800-56A §5.6.2.3.1 partial check).
    /// </summary>
    public static bool IsValidPublicValue(ModpGroup group, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (value.Length != group.PrimeLength)
        {
            return false;
        }

        var y = new BigInteger(1, value);
        return y.CompareTo(BigInteger.One) > 0 && y.CompareTo(group.PMinusOne) < 0;
    }

    /// <inheritdoc />
    public byte[] DeriveSharedSecret(ReadOnlySpan<byte> peerPublic)
    {
        BigInteger x = _privateExponent ?? throw new ObjectDisposedException(nameof(ModpDiffieHellman));
        if (!IsValidPublicValue(_group, peerPublic))
        {
            throw new ArgumentException(
                $"Peer DH value for group {_group.Id} must be {_group.PrimeLength} bytes with 1 < y < p-1.",
                nameof(peerPublic));
        }

        BigInteger z = new BigInteger(1, peerPublic).ModPow(x, _group.P);

        // With y in range and a safe prime, z cannot be 1 unless x = 0 mod q; check anyway, it is cheap.
        if (z.CompareTo(BigInteger.One) <= 0)
        {
            throw new ArgumentException("Peer DH value produced a degenerate shared secret.", nameof(peerPublic));
        }

        return ToFixedLength(z, _group.PrimeLength);
    }

    /// <summary>Drops the private exponent; further derivations throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _privateExponent = null;

    private byte[] ComputePublicValue() => ToFixedLength(Two.ModPow(_privateExponent!, _group.P), _group.PrimeLength);

    private static byte[] ToFixedLength(BigInteger value, int length)
    {
        byte[] minimal = value.ToByteArrayUnsigned();
        if (minimal.Length == length)
        {
            return minimal;
        }

        var padded = new byte[length];
        minimal.CopyTo(padded, length - minimal.Length);
        CryptographicOperations.ZeroMemory(minimal);
        return padded;
    }
}
