using System.Numerics;
using System.Security.Cryptography;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// Elliptic-curve Diffie-Hellman for IKE groups 19 (P-256) and 20 (P-384) as RFC 5903 defines it:
/// the KE payload carries x || y without the SEC1 0x04 prefix, each coordinate field-length
/// (RFC 5903 §7), and the shared secret is the x coordinate of the product point only
/// (RFC 5903 §7; RFC 4753, which it obsoletes, used x || y). The key pair lives in OpenSSL:
/// through libcrypto's EC point calls (<see cref="LibcryptoEcpKey"/>) when libcrypto 3 loads, else
/// through .NET's ECDiffieHellman, which costs several times more per exchange (key objects,
/// exports, and OpenSSL's full key checks on every import).
/// </summary>
public sealed class EcpDiffieHellman : IDiffieHellman
{
    private const int MaxScalarAttempts = 64;

    private readonly EcpCurve _curve;
    private readonly LibcryptoEcpKey? _native;
    private readonly ECDiffieHellman? _key;
    private readonly byte[] _publicValue;
    private bool _disposed;

    /// <summary>
    /// Generates a key pair for group 19 or 20, drawing the private scalar uniformly from
    /// [1, n-1] out of <paramref name="random"/> by rejection sampling.
    /// </summary>
    public EcpDiffieHellman(int group, IRandomSource random)
        : this(RequireCurve(group), GenerateScalar(RequireCurve(group), random), LibcryptoEcpKey.IsAvailable)
    {
    }

    private EcpDiffieHellman(EcpCurve curve, byte[] privateScalar, bool useLibcrypto)
    {
        _curve = curve;
        try
        {
            if (useLibcrypto)
            {
                _native = new LibcryptoEcpKey(curve.Group, privateScalar, curve.CoordinateSize);
                _publicValue = _native.PublicValue;
                return;
            }

            _key = ECDiffieHellman.Create(new ECParameters { Curve = curve.NamedCurve, D = privateScalar });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateScalar);
        }

        ECPoint q = _key.ExportParameters(includePrivateParameters: false).Q;
        int size = curve.CoordinateSize;
        _publicValue = new byte[2 * size];
        q.X.AsSpan().CopyTo(_publicValue.AsSpan(size - q.X!.Length, q.X.Length));
        q.Y.AsSpan().CopyTo(_publicValue.AsSpan((2 * size) - q.Y!.Length, q.Y.Length));
    }

    /// <inheritdoc />
    public int Group => _curve.Group;

    /// <inheritdoc />
    public ReadOnlySpan<byte> PublicValue => _publicValue;

    /// <summary>
    /// Test hook: a key pair from a known private scalar (big-endian, field length), as the
    /// RFC 5903 §8 vectors need.
    /// </summary>
    internal static EcpDiffieHellman FromPrivateKey(int group, ReadOnlySpan<byte> privateScalar) =>
        FromPrivateKey(group, privateScalar, LibcryptoEcpKey.IsAvailable);

    /// <summary>Test hook: as above, through libcrypto's EC calls or through .NET's ECDiffieHellman.</summary>
    internal static EcpDiffieHellman FromPrivateKey(int group, ReadOnlySpan<byte> privateScalar, bool useLibcrypto)
    {
        EcpCurve curve = RequireCurve(group);
        if (privateScalar.Length != curve.CoordinateSize)
        {
            throw new ArgumentException($"Private scalar must be {curve.CoordinateSize} bytes.", nameof(privateScalar));
        }

        return new EcpDiffieHellman(curve, privateScalar.ToArray(), useLibcrypto);
    }

    /// <summary>
    /// Whether <paramref name="value"/> is a valid peer KE value for ECP group <paramref name="group"/>:
    /// exactly two field-length coordinates forming a point on the curve.
    /// </summary>
    public static bool IsValidPublicValue(int group, ReadOnlySpan<byte> value)
    {
        EcpCurve curve = RequireCurve(group);
        int size = curve.CoordinateSize;
        return value.Length == 2 * size && curve.IsOnCurve(value[..size], value[size..]);
    }

    /// <inheritdoc />
    public byte[] DeriveSharedSecret(ReadOnlySpan<byte> peerPublic)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int size = _curve.CoordinateSize;
        if (!IsValidPublicValue(_curve.Group, peerPublic))
        {
            throw new ArgumentException(
                $"Peer DH value for group {_curve.Group} must be {2 * size} bytes (x || y) forming a point on the curve.",
                nameof(peerPublic));
        }

        if (_native is not null)
        {
            return _native.Derive(peerPublic) ?? throw new ArgumentException(
                $"Peer DH value for group {_curve.Group} was rejected.", nameof(peerPublic));
        }

        var parameters = new ECParameters
        {
            Curve = _curve.NamedCurve,
            Q = new ECPoint { X = peerPublic[..size].ToArray(), Y = peerPublic[size..].ToArray() },
        };

        byte[] x;
        try
        {
            using ECDiffieHellman peer = ECDiffieHellman.Create(parameters);
            using ECDiffieHellmanPublicKey peerKey = peer.PublicKey;
            x = _key!.DeriveRawSecretAgreement(peerKey);
        }
        catch (CryptographicException ex)
        {
            throw new ArgumentException($"Peer DH value for group {_curve.Group} was rejected.", nameof(peerPublic), ex);
        }

        if (x.Length == size)
        {
            return x;
        }

        var padded = new byte[size];
        x.AsSpan().CopyTo(padded.AsSpan(size - x.Length));
        CryptographicOperations.ZeroMemory(x);
        return padded;
    }

    /// <summary>Frees the OpenSSL key, which clears the private scalar.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _native?.Dispose();
            _key?.Dispose();
        }
    }

    private static EcpCurve RequireCurve(int group) =>
        EcpCurve.FromGroup(group) ?? throw new ArgumentOutOfRangeException(nameof(group), group, "Not a supported ECP group (19 or 20).");

    private static byte[] GenerateScalar(EcpCurve curve, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var scalar = new byte[curve.CoordinateSize];
        for (int attempt = 0; attempt < MaxScalarAttempts; attempt++)
        {
            random.Fill(scalar);
            var d = new BigInteger(scalar, isUnsigned: true, isBigEndian: true);
            if (!d.IsZero && d < curve.N)
            {
                return scalar;
            }
        }

        CryptographicOperations.ZeroMemory(scalar);
        throw new CryptographicException("Random source failed to yield a valid EC private scalar.");
    }
}
