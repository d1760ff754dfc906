using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// The few OpenSSL 3 libcrypto entry points the finite-field Diffie-Hellman needs, bound with
/// <c>LibraryImport</c> (source-generated marshalling, so NativeAOT-clean), the way the framework's
/// own OpenSSL shim reaches libcrypto. .NET exposes no finite-field DH, hence this file.
/// Everything that OpenSSL allocates is owned by a <see cref="SafeHandle"/> below.
/// </summary>
internal static partial class Libcrypto
{
    /// <summary>OpenSSL 3's soname; the same library .NET's crypto shim loads on Linux.</summary>
    internal const string LibraryName = "libcrypto.so.3";

    /// <summary>EVP_PKEY_KEY_PARAMETERS: domain and other parameters, no key.</summary>
    internal const int SelectKeyParameters = 0x84;

    /// <summary>EVP_PKEY_PUBLIC_KEY: parameters and the public key.</summary>
    internal const int SelectPublicKey = 0x86;

    private static readonly Lazy<bool> Available = new(Probe);

    /// <summary>
    /// OSSL_PARAM key names as NUL-terminated strings that live for the whole process: OpenSSL's
    /// parameter builder stores the pointer, not a copy, so a marshalled temporary would dangle.
    /// </summary>
    internal static class ParamName
    {
        internal static readonly IntPtr P = Marshal.StringToCoTaskMemUTF8("p");
        internal static readonly IntPtr G = Marshal.StringToCoTaskMemUTF8("g");
        internal static readonly IntPtr Pub = Marshal.StringToCoTaskMemUTF8("pub");
        internal static readonly IntPtr PrivLen = Marshal.StringToCoTaskMemUTF8("priv_len");
    }

    /// <summary>
    /// Whether libcrypto 3.x can be loaded and has the EVP_PKEY "fromdata" API (OpenSSL 3.0+).
    /// Probed once; the answer does not change for the life of the process.
    /// </summary>
    internal static bool IsAvailable => Available.Value;

    private static bool Probe()
    {
        // The handle is deliberately never freed: the imports below bind to this same library.
        if (!NativeLibrary.TryLoad(LibraryName, out IntPtr library)
            || !NativeLibrary.TryGetExport(library, "EVP_PKEY_derive_set_peer_ex", out _)
            || !NativeLibrary.TryGetExport(library, "OSSL_PARAM_BLD_new", out _))
        {
            return false;
        }

        try
        {
            return OpenSSL_version_num() >= 0x30000000;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Throws a <see cref="System.Security.Cryptography.CryptographicException"/> naming the failed call, after clearing this thread's OpenSSL error queue.</summary>
    internal static System.Security.Cryptography.CryptographicException Failure(string call)
    {
        ulong code = ERR_get_error();
        ERR_clear_error();
        return new System.Security.Cryptography.CryptographicException(
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"libcrypto {call} failed (error 0x{code:X})."));
    }

    [LibraryImport(LibraryName)]
    internal static partial nuint OpenSSL_version_num();

    [LibraryImport(LibraryName)]
    internal static partial ulong ERR_get_error();

    [LibraryImport(LibraryName)]
    internal static partial void ERR_clear_error();

    // BIGNUM

    [LibraryImport(LibraryName)]
    internal static unsafe partial LibcryptoBignumHandle BN_bin2bn(byte* s, int len, IntPtr ret);

    [LibraryImport(LibraryName)]
    internal static unsafe partial int BN_bn2binpad(LibcryptoBignumHandle a, byte* to, int tolen);

    [LibraryImport(LibraryName)]
    internal static partial int BN_num_bits(LibcryptoBignumHandle a);

    [LibraryImport(LibraryName)]
    internal static partial void BN_clear_free(IntPtr a);

    // OSSL_PARAM_BLD / OSSL_PARAM

    [LibraryImport(LibraryName)]
    internal static partial LibcryptoParamBuilderHandle OSSL_PARAM_BLD_new();

    [LibraryImport(LibraryName)]
    internal static partial void OSSL_PARAM_BLD_free(IntPtr bld);

    // The builder, and the OSSL_PARAM array it makes, keep the key *pointer*: pass a ParamName.

    [LibraryImport(LibraryName)]
    internal static partial int OSSL_PARAM_BLD_push_BN(LibcryptoParamBuilderHandle bld, IntPtr key, LibcryptoBignumHandle bn);

    [LibraryImport(LibraryName)]
    internal static partial int OSSL_PARAM_BLD_push_int(LibcryptoParamBuilderHandle bld, IntPtr key, int value);

    [LibraryImport(LibraryName)]
    internal static partial LibcryptoParamHandle OSSL_PARAM_BLD_to_param(LibcryptoParamBuilderHandle bld);

    [LibraryImport(LibraryName)]
    internal static partial void OSSL_PARAM_free(IntPtr parameters);

    // EVP_PKEY / EVP_PKEY_CTX

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial LibcryptoPkeyContextHandle EVP_PKEY_CTX_new_from_name(IntPtr libctx, string name, string? propquery);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial LibcryptoPkeyContextHandle EVP_PKEY_CTX_new_from_pkey(IntPtr libctx, LibcryptoPkeyHandle pkey, string? propquery);

    [LibraryImport(LibraryName)]
    internal static partial void EVP_PKEY_CTX_free(IntPtr ctx);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_PKEY_fromdata_init(LibcryptoPkeyContextHandle ctx);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_PKEY_fromdata(LibcryptoPkeyContextHandle ctx, out LibcryptoPkeyHandle ppkey, int selection, LibcryptoParamHandle parameters);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_PKEY_keygen_init(LibcryptoPkeyContextHandle ctx);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_PKEY_CTX_set_params(LibcryptoPkeyContextHandle ctx, LibcryptoParamHandle parameters);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_PKEY_generate(LibcryptoPkeyContextHandle ctx, out LibcryptoPkeyHandle ppkey);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_PKEY_derive_init(LibcryptoPkeyContextHandle ctx);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_PKEY_CTX_set_dh_pad(LibcryptoPkeyContextHandle ctx, int pad);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_PKEY_derive_set_peer_ex(LibcryptoPkeyContextHandle ctx, LibcryptoPkeyHandle peer, int validatePeer);

    [LibraryImport(LibraryName)]
    internal static unsafe partial int EVP_PKEY_derive(LibcryptoPkeyContextHandle ctx, byte* key, ref nuint keylen);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int EVP_PKEY_get_bn_param(LibcryptoPkeyHandle pkey, string keyName, out LibcryptoBignumHandle bn);

    [LibraryImport(LibraryName)]
    internal static partial void EVP_PKEY_free(IntPtr pkey);
}

/// <summary>An OpenSSL BIGNUM, freed with BN_clear_free (it may hold key material).</summary>
internal sealed class LibcryptoBignumHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibcryptoBignumHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Libcrypto.BN_clear_free(handle);
        return true;
    }
}

/// <summary>An OSSL_PARAM_BLD builder.</summary>
internal sealed class LibcryptoParamBuilderHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibcryptoParamBuilderHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Libcrypto.OSSL_PARAM_BLD_free(handle);
        return true;
    }
}

/// <summary>An OSSL_PARAM array built by OSSL_PARAM_BLD_to_param, freed (and cleared) with OSSL_PARAM_free.</summary>
internal sealed class LibcryptoParamHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibcryptoParamHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Libcrypto.OSSL_PARAM_free(handle);
        return true;
    }
}

/// <summary>An EVP_PKEY; freeing the last reference clears its private key.</summary>
internal sealed class LibcryptoPkeyHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibcryptoPkeyHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Libcrypto.EVP_PKEY_free(handle);
        return true;
    }
}

/// <summary>An EVP_PKEY_CTX.</summary>
internal sealed class LibcryptoPkeyContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibcryptoPkeyContextHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Libcrypto.EVP_PKEY_CTX_free(handle);
        return true;
    }
}
