using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// RSASSA-PKCS1-v1_5 signatures (RFC 8017 §8.2) for IKE certificate authentication.
/// <para>
/// Two encodings exist. The standard one wraps the hash in a DigestInfo (RFC 8017 §9.2) and is what
/// certificates and IKEv2 use (<see cref="SignHash"/> and friends, via OpenSSL). IKEv1 signature
/// authentication (RFC 2409 §5.1) instead signs HASH_I/HASH_R directly: EMSA-PKCS1-v1_5 padding
/// around the raw hash with no DigestInfo, as Windows, strongSwan ("SIGN_RSA_EMSA_PKCS1_NULL") and
/// other IKEv1 stacks do. .NET cannot express that, so <see cref="SignWithoutDigestInfo"/> and
/// <see cref="VerifyWithoutDigestInfo"/> pad by hand and use BouncyCastle's blinded RSA engine.
/// </para>
/// MD5 is refused for signatures.
/// </summary>
public static class RsaPkcs1Signature
{
    /// <summary>RFC 8017 §9.2 note 1: at least 8 bytes of 0xFF padding, plus 00 01 ... 00 framing.</summary>
    private const int MinimumPaddingOverhead = 11;

    /// <summary>Signs a precomputed hash with DigestInfo (RFC 8017 §8.2.1).</summary>
    public static byte[] SignHash(RSA key, ReadOnlySpan<byte> hash, DigestAlgorithm algorithm)
    {
        ArgumentNullException.ThrowIfNull(key);
        RequireSignatureDigest(algorithm);
        if (hash.Length != Digest.GetSize(algorithm))
        {
            throw new ArgumentException($"Hash must be {Digest.GetSize(algorithm)} bytes for {algorithm}.", nameof(hash));
        }

        return key.SignHash(hash, Digest.GetName(algorithm), RSASignaturePadding.Pkcs1);
    }

    /// <summary>
    /// Verifies a DigestInfo signature over a precomputed hash. Wrong hash or signature lengths
    /// return <see langword="false"/>.
    /// </summary>
    public static bool VerifyHash(RSA key, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature, DigestAlgorithm algorithm)
    {
        ArgumentNullException.ThrowIfNull(key);
        RequireSignatureDigest(algorithm);
        if (hash.Length != Digest.GetSize(algorithm) || signature.Length != ModulusLength(key))
        {
            return false;
        }

        return key.VerifyHash(hash, signature, Digest.GetName(algorithm), RSASignaturePadding.Pkcs1);
    }

    /// <summary>Hashes <paramref name="data"/> with <paramref name="algorithm"/> and signs it with DigestInfo.</summary>
    public static byte[] SignData(RSA key, ReadOnlySpan<byte> data, DigestAlgorithm algorithm)
    {
        RequireSignatureDigest(algorithm);
        return SignHash(key, Digest.Hash(algorithm, data), algorithm);
    }

    /// <summary>Hashes <paramref name="data"/> and verifies a DigestInfo signature over it.</summary>
    public static bool VerifyData(RSA key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, DigestAlgorithm algorithm)
    {
        RequireSignatureDigest(algorithm);
        return VerifyHash(key, Digest.Hash(algorithm, data), signature, algorithm);
    }

    /// <summary>
    /// IKEv1 form: signs <paramref name="data"/> (normally HASH_I or HASH_R) as
    /// 00 01 FF..FF 00 || data, with no DigestInfo. Throws <see cref="ArgumentException"/> when the
    /// data does not fit the modulus with at least 8 bytes of padding.
    /// </summary>
    public static byte[] SignWithoutDigestInfo(RSA key, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(key);
        RSAParameters parameters = key.ExportParameters(includePrivateParameters: true);
        try
        {
            int k = parameters.Modulus!.Length;
            if (data.Length > k - MinimumPaddingOverhead)
            {
                throw new ArgumentException($"Data must be at most {k - MinimumPaddingOverhead} bytes for this key.", nameof(data));
            }

            byte[] encoded = EncodeBlock(data, k);
            var engine = new RsaBlindedEngine();
            engine.Init(true, ToPrivateKey(parameters));
            byte[] signature = engine.ProcessBlock(encoded, 0, encoded.Length);
            return LeftPad(signature, k);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
            CryptographicOperations.ZeroMemory(parameters.P);
            CryptographicOperations.ZeroMemory(parameters.Q);
            CryptographicOperations.ZeroMemory(parameters.DP);
            CryptographicOperations.ZeroMemory(parameters.DQ);
            CryptographicOperations.ZeroMemory(parameters.InverseQ);
        }
    }

    /// <summary>
    /// IKEv1 form: verifies a no-DigestInfo signature over <paramref name="data"/> by recomputing the
    /// expected encoded block and comparing in constant time (RFC 8017 §8.2.2 step 4). Malformed
    /// lengths return <see langword="false"/>.
    /// </summary>
    public static bool VerifyWithoutDigestInfo(RSA key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(key);
        RSAParameters parameters = key.ExportParameters(includePrivateParameters: false);
        int k = parameters.Modulus!.Length;
        if (signature.Length != k || data.Length > k - MinimumPaddingOverhead)
        {
            return false;
        }

        // Public-key operation on public data: plain big-integer arithmetic is fine here.
        var n = new System.Numerics.BigInteger(parameters.Modulus, isUnsigned: true, isBigEndian: true);
        var s = new System.Numerics.BigInteger(signature, isUnsigned: true, isBigEndian: true);
        if (s >= n)
        {
            return false;
        }

        var e = new System.Numerics.BigInteger(parameters.Exponent, isUnsigned: true, isBigEndian: true);
        byte[] recovered = LeftPad(System.Numerics.BigInteger.ModPow(s, e, n).ToByteArray(isUnsigned: true, isBigEndian: true), k);
        return CryptographicOperations.FixedTimeEquals(recovered, EncodeBlock(data, k));
    }

    private static void RequireSignatureDigest(DigestAlgorithm algorithm)
    {
        if (algorithm is not (DigestAlgorithm.Sha1 or DigestAlgorithm.Sha256 or DigestAlgorithm.Sha384 or DigestAlgorithm.Sha512))
        {
            throw new ArgumentException($"{algorithm} is not accepted for RSA signatures.", nameof(algorithm));
        }
    }

    private static int ModulusLength(RSA key) => (key.KeySize + 7) / 8;

    /// <summary>EMSA-PKCS1-v1_5 block of RFC 8017 §9.2 steps 4-5 with T = <paramref name="t"/>.</summary>
    private static byte[] EncodeBlock(ReadOnlySpan<byte> t, int k)
    {
        var block = new byte[k];
        block[1] = 0x01;
        block.AsSpan(2, k - t.Length - 3).Fill(0xFF);
        t.CopyTo(block.AsSpan(k - t.Length));
        return block;
    }

    private static RsaKeyParameters ToPrivateKey(RSAParameters p)
    {
        var modulus = new BigInteger(1, p.Modulus);
        if (p.P is null || p.Q is null || p.DP is null || p.DQ is null || p.InverseQ is null)
        {
            return new RsaKeyParameters(true, modulus, new BigInteger(1, p.D));
        }

        return new RsaPrivateCrtKeyParameters(
            modulus,
            new BigInteger(1, p.Exponent),
            new BigInteger(1, p.D),
            new BigInteger(1, p.P),
            new BigInteger(1, p.Q),
            new BigInteger(1, p.DP),
            new BigInteger(1, p.DQ),
            new BigInteger(1, p.InverseQ));
    }

    private static byte[] LeftPad(byte[] value, int length)
    {
        if (value.Length == length)
        {
            return value;
        }

        var padded = new byte[length];
        value.AsSpan(Math.Max(0, value.Length - length)).CopyTo(padded.AsSpan(Math.Max(0, length - value.Length)));
        return padded;
    }
}
