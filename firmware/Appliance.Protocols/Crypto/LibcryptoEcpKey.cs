using System.Security.Cryptography;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// An ECP key pair held in libcrypto: the private scalar as a constant-time BIGNUM, the public
/// point Q = d·G computed once. <see cref="EcpDiffieHellman"/> uses it when libcrypto 3 loads;
/// it does per exchange what the group needs and no more: one fixed-base multiplication for the
/// key pair, one on-curve check and one variable-base multiplication for the secret (OpenSSL's
/// constant-time ladder / P-256 code, the same arithmetic .NET's ECDiffieHellman ends in).
/// </summary>
internal sealed class LibcryptoEcpKey : IDisposable
{
    private static readonly Lazy<IntPtr> P256 = new(() => NewGroup(Libcrypto.NidP256));
    private static readonly Lazy<IntPtr> P384 = new(() => NewGroup(Libcrypto.NidP384));

    // EC_GROUPs are built once per process and never freed; after construction OpenSSL only reads
    // them (every call below takes a const EC_GROUP*), so sharing them between keys is safe.
    private readonly IntPtr _group;
    private readonly int _size;
    private readonly LibcryptoBignumHandle _scalar;

    /// <summary>Takes a big-endian scalar in [1, n-1], <paramref name="size"/> bytes; the caller clears its copy.</summary>
    internal unsafe LibcryptoEcpKey(int group, ReadOnlySpan<byte> scalar, int size)
    {
        _group = (group switch { 19 => P256, 20 => P384, _ => throw new ArgumentOutOfRangeException(nameof(group)) }).Value;
        _size = size;
        fixed (byte* s = scalar)
        {
            _scalar = Libcrypto.BN_bin2bn(s, scalar.Length, IntPtr.Zero);
        }

        if (_scalar.IsInvalid)
        {
            _scalar.Dispose();
            throw Libcrypto.Failure("BN_bin2bn");
        }

        try
        {
            Libcrypto.BN_set_flags(_scalar, Libcrypto.BignumConstantTime);
            using LibcryptoBignumContextHandle ctx = NewContext();
            using LibcryptoEcPointHandle q = NewPoint();
            Check(Multiply(q, IntPtr.Zero, ctx), "EC_POINT_mul(d·G)");
            PublicValue = Encode(q, ctx);
        }
        catch
        {
            _scalar.Dispose();
            throw;
        }
    }

    /// <summary>Whether libcrypto 3 with the EC point calls is loadable (probed once).</summary>
    internal static bool IsAvailable => Libcrypto.IsEcAvailable;

    /// <summary>x || y, each <c>size</c> bytes.</summary>
    internal byte[] PublicValue { get; }

    internal bool IsDisposed => _scalar.IsClosed;

    /// <summary>
    /// The x coordinate of d·P, <c>size</c> bytes, or null when libcrypto refuses the peer point
    /// (not on the curve, coordinates out of range). <paramref name="peerPublic"/> is x || y.
    /// </summary>
    internal unsafe byte[]? Derive(ReadOnlySpan<byte> peerPublic)
    {
        if (peerPublic.Length != 2 * _size)
        {
            return null;
        }

        using LibcryptoBignumContextHandle ctx = NewContext();
        using LibcryptoEcPointHandle peer = NewPoint();
        Span<byte> encoded = stackalloc byte[1 + (2 * _size)];
        encoded[0] = Libcrypto.PointUncompressed;
        peerPublic.CopyTo(encoded[1..]);
        int decoded;
        fixed (byte* buf = encoded)
        {
            // Rejects coordinates >= p and points off the curve.
            decoded = Libcrypto.EC_POINT_oct2point(_group, peer, buf, (nuint)encoded.Length, ctx);
        }

        if (decoded != 1 || Libcrypto.EC_POINT_is_on_curve(_group, peer, ctx) != 1)
        {
            Libcrypto.ERR_clear_error();
            return null;
        }

        using LibcryptoEcPointHandle product = NewPoint();
        using LibcryptoBignumHandle x = Libcrypto.BN_new();
        if (x.IsInvalid)
        {
            throw Libcrypto.Failure("BN_new");
        }

        bool addRef = false;
        try
        {
            peer.DangerousAddRef(ref addRef);
            Check(Multiply(product, peer.DangerousGetHandle(), ctx), "EC_POINT_mul(d·P)");
        }
        finally
        {
            if (addRef)
            {
                peer.DangerousRelease();
            }
        }

        // Cofactor 1 and d in [1, n-1]: infinity is impossible for a point on the curve; refuse anyway.
        if (Libcrypto.EC_POINT_is_at_infinity(_group, product) != 0)
        {
            return null;
        }

        Check(Libcrypto.EC_POINT_get_affine_coordinates(_group, product, x, IntPtr.Zero, ctx) == 1, "EC_POINT_get_affine_coordinates");
        var secret = new byte[_size];
        fixed (byte* to = secret)
        {
            if (Libcrypto.BN_bn2binpad(x, to, _size) != _size)
            {
                CryptographicOperations.ZeroMemory(secret);
                throw Libcrypto.Failure("BN_bn2binpad(x)");
            }
        }

        return secret;
    }

    /// <summary>Frees the scalar with BN_clear_free, which clears it.</summary>
    public void Dispose() => _scalar.Dispose();

    private static IntPtr NewGroup(int nid)
    {
        IntPtr group = Libcrypto.EC_GROUP_new_by_curve_name(nid);
        return group != IntPtr.Zero ? group : throw Libcrypto.Failure("EC_GROUP_new_by_curve_name");
    }

    private static LibcryptoBignumContextHandle NewContext()
    {
        LibcryptoBignumContextHandle ctx = Libcrypto.BN_CTX_new();
        if (ctx.IsInvalid)
        {
            ctx.Dispose();
            throw Libcrypto.Failure("BN_CTX_new");
        }

        return ctx;
    }

    private LibcryptoEcPointHandle NewPoint()
    {
        LibcryptoEcPointHandle point = Libcrypto.EC_POINT_new(_group);
        if (point.IsInvalid)
        {
            point.Dispose();
            throw Libcrypto.Failure("EC_POINT_new");
        }

        return point;
    }

    // r = d·G when point is zero, else d·point.
    private bool Multiply(LibcryptoEcPointHandle r, IntPtr point, LibcryptoBignumContextHandle ctx)
    {
        bool rRef = false, dRef = false, cRef = false;
        try
        {
            r.DangerousAddRef(ref rRef);
            _scalar.DangerousAddRef(ref dRef);
            ctx.DangerousAddRef(ref cRef);
            IntPtr d = _scalar.DangerousGetHandle();
            return point == IntPtr.Zero
                ? Libcrypto.EC_POINT_mul(_group, r.DangerousGetHandle(), d, IntPtr.Zero, IntPtr.Zero, ctx.DangerousGetHandle()) == 1
                : Libcrypto.EC_POINT_mul(_group, r.DangerousGetHandle(), IntPtr.Zero, point, d, ctx.DangerousGetHandle()) == 1;
        }
        finally
        {
            if (cRef)
            {
                ctx.DangerousRelease();
            }

            if (dRef)
            {
                _scalar.DangerousRelease();
            }

            if (rRef)
            {
                r.DangerousRelease();
            }
        }
    }

    private unsafe byte[] Encode(LibcryptoEcPointHandle q, LibcryptoBignumContextHandle ctx)
    {
        Span<byte> encoded = stackalloc byte[1 + (2 * _size)];
        nuint written;
        fixed (byte* buf = encoded)
        {
            written = Libcrypto.EC_POINT_point2oct(_group, q, Libcrypto.PointUncompressed, buf, (nuint)encoded.Length, ctx);
        }

        Check(written == (nuint)encoded.Length && encoded[0] == Libcrypto.PointUncompressed, "EC_POINT_point2oct");
        return encoded[1..].ToArray();
    }

    private static void Check(bool ok, string call)
    {
        if (!ok)
        {
            throw Libcrypto.Failure(call);
        }
    }
}
