using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// libcrypto's elliptic-curve point arithmetic (EC_GROUP / EC_POINT), for
/// <see cref="LibcryptoEcpKey"/>. These are the low-level calls OpenSSL 3 still exports; going
/// through them instead of .NET's ECDiffieHellman skips per-call key objects, key exports and
/// OpenSSL's full public-key check (an extra multiplication by the group order, redundant for
/// curves of cofactor 1 once the point is known to be on the curve).
/// </summary>
internal static partial class Libcrypto
{
    /// <summary>NID_X9_62_prime256v1 (P-256).</summary>
    internal const int NidP256 = 415;

    /// <summary>NID_secp384r1 (P-384).</summary>
    internal const int NidP384 = 715;

    /// <summary>POINT_CONVERSION_UNCOMPRESSED: 0x04 || x || y.</summary>
    internal const int PointUncompressed = 4;

    /// <summary>BN_FLG_CONSTTIME: operations on this BIGNUM take the constant-time paths.</summary>
    internal const int BignumConstantTime = 0x04;

    private static readonly Lazy<bool> EcAvailable = new(ProbeEc);

    /// <summary>Whether libcrypto 3 loads and exports the EC point calls used here (probed once).</summary>
    internal static bool IsEcAvailable => EcAvailable.Value;

    private static bool ProbeEc()
    {
        if (!IsAvailable || !NativeLibrary.TryLoad(LibraryName, out IntPtr library))
        {
            return false;
        }

        foreach (string name in (ReadOnlySpan<string>)["EC_GROUP_new_by_curve_name", "EC_POINT_mul", "EC_POINT_oct2point", "EC_POINT_point2oct",
            "EC_POINT_is_on_curve", "EC_POINT_is_at_infinity", "EC_POINT_get_affine_coordinates", "BN_CTX_new", "BN_set_flags"])
        {
            if (!NativeLibrary.TryGetExport(library, name, out _))
            {
                return false;
            }
        }

        return true;
    }

    [LibraryImport(LibraryName)]
    internal static partial IntPtr EC_GROUP_new_by_curve_name(int nid);

    [LibraryImport(LibraryName)]
    internal static partial LibcryptoEcPointHandle EC_POINT_new(IntPtr group);

    [LibraryImport(LibraryName)]
    internal static partial void EC_POINT_clear_free(IntPtr point);

    /// <summary>r = generatorScalar·G + pointScalar·point; either term may be absent (IntPtr.Zero).</summary>
    [LibraryImport(LibraryName)]
    internal static partial int EC_POINT_mul(IntPtr group, IntPtr r, IntPtr generatorScalar, IntPtr point, IntPtr pointScalar, IntPtr ctx);

    [LibraryImport(LibraryName)]
    internal static unsafe partial nuint EC_POINT_point2oct(IntPtr group, LibcryptoEcPointHandle point, int form, byte* buf, nuint len, LibcryptoBignumContextHandle ctx);

    [LibraryImport(LibraryName)]
    internal static unsafe partial int EC_POINT_oct2point(IntPtr group, LibcryptoEcPointHandle point, byte* buf, nuint len, LibcryptoBignumContextHandle ctx);

    [LibraryImport(LibraryName)]
    internal static partial int EC_POINT_is_on_curve(IntPtr group, LibcryptoEcPointHandle point, LibcryptoBignumContextHandle ctx);

    [LibraryImport(LibraryName)]
    internal static partial int EC_POINT_is_at_infinity(IntPtr group, LibcryptoEcPointHandle point);

    [LibraryImport(LibraryName)]
    internal static partial int EC_POINT_get_affine_coordinates(IntPtr group, LibcryptoEcPointHandle point, LibcryptoBignumHandle x, IntPtr y, LibcryptoBignumContextHandle ctx);

    [LibraryImport(LibraryName)]
    internal static partial LibcryptoBignumContextHandle BN_CTX_new();

    [LibraryImport(LibraryName)]
    internal static partial void BN_CTX_free(IntPtr ctx);

    [LibraryImport(LibraryName)]
    internal static partial LibcryptoBignumHandle BN_new();

    [LibraryImport(LibraryName)]
    internal static partial void BN_set_flags(LibcryptoBignumHandle b, int flags);
}

/// <summary>An EC_POINT, freed with EC_POINT_clear_free (a product point is key material).</summary>
internal sealed class LibcryptoEcPointHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibcryptoEcPointHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Libcrypto.EC_POINT_clear_free(handle);
        return true;
    }
}

/// <summary>A BN_CTX: scratch BIGNUMs for one operation, freed with it.</summary>
internal sealed class LibcryptoBignumContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibcryptoBignumContextHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Libcrypto.BN_CTX_free(handle);
        return true;
    }
}
