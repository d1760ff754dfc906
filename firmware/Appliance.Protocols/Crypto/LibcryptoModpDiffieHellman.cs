using System.Security.Cryptography;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// Finite-field Diffie-Hellman over an RFC 2409 / RFC 3526 MODP group, computed by OpenSSL 3's
/// libcrypto (about an order of magnitude faster than <see cref="ModpDiffieHellman"/>, and the
/// private exponent lives in OpenSSL and is cleared when the key is freed). The group is built
/// from our own <see cref="ModpGroup"/> prime and generator, not from OpenSSL's group names, and
/// the private exponent is <see cref="ModpGroup.PrivateExponentBits"/> long ("priv_len"), as in
/// the managed implementation.
/// <para>
/// Randomness: the private exponent comes from OpenSSL's own DRBG, not from an
/// <see cref="IRandomSource"/>; that is the same generator <see cref="SystemRandomSource"/> (and
/// <see cref="EcpDiffieHellman"/>'s key storage) uses. Tests that need reproducible key pairs use
/// <see cref="ModpDiffieHellman"/> with an injected source, which
/// <see cref="DiffieHellmanGroups.Create(int, IRandomSource)"/> picks automatically for any
/// source other than <see cref="SystemRandomSource.Instance"/>.
/// </para>
/// <para>
/// OpenSSL draws the exponent uniformly below 2^priv_len when it recognises the prime as one of its
/// named safe-prime groups (RFC 3526 groups 5, 14, 15, 16), and with the top bit forced otherwise
/// (group 2); either way it has at most <see cref="ModpGroup.PrivateExponentBits"/> bits.
/// </para>
/// </summary>
public sealed class LibcryptoModpDiffieHellman : IDiffieHellman
{
    private static readonly Lazy<Domain>[] Domains = CreateDomains();

    private readonly ModpGroup _group;
    private readonly Domain _domain;
    private readonly LibcryptoPkeyHandle _key;
    private readonly byte[] _publicValue;

    /// <summary>
    /// Generates a key pair in libcrypto for <paramref name="group"/>. Throws
    /// <see cref="PlatformNotSupportedException"/> when libcrypto 3 cannot be loaded (check
    /// <see cref="IsAvailable"/>), <see cref="CryptographicException"/> when OpenSSL fails.
    /// </summary>
    public LibcryptoModpDiffieHellman(ModpGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (!IsAvailable)
        {
            throw new PlatformNotSupportedException($"{Libcrypto.LibraryName} (OpenSSL 3) is not available.");
        }

        _group = group;
        _domain = GetDomain(group);
        _key = _domain.GenerateKey();
        try
        {
            _publicValue = _domain.ExportPublicValue(_key);
        }
        catch
        {
            _key.Dispose();
            throw;
        }
    }

    /// <summary>Whether libcrypto 3 is loadable in this process (probed once).</summary>
    public static bool IsAvailable => Libcrypto.IsAvailable;

    /// <inheritdoc />
    public int Group => _group.Id;

    /// <summary>The MODP group in use.</summary>
    public ModpGroup ModpGroup => _group;

    /// <inheritdoc />
    public ReadOnlySpan<byte> PublicValue => _publicValue;

    /// <summary>Test hook: the bit length of the private exponent OpenSSL generated.</summary>
    internal int PrivateExponentBitLength
    {
        get
        {
            ObjectDisposedException.ThrowIf(_key.IsClosed, this);
            if (Libcrypto.EVP_PKEY_get_bn_param(_key, "priv", out LibcryptoBignumHandle priv) != 1)
            {
                priv.Dispose();
                throw Libcrypto.Failure("EVP_PKEY_get_bn_param(priv)");
            }

            using (priv)
            {
                return Libcrypto.BN_num_bits(priv);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The peer value is checked with <see cref="ModpDiffieHellman.IsValidPublicValue"/> (exact
    /// length, 1 &lt; y &lt; p-1) before libcrypto sees it; OpenSSL's own peer check, which adds a
    /// full-length y^q exponentiation for the groups it recognises, is not repeated.
    /// </remarks>
    public byte[] DeriveSharedSecret(ReadOnlySpan<byte> peerPublic)
    {
        ObjectDisposedException.ThrowIf(_key.IsClosed, this);
        if (!ModpDiffieHellman.IsValidPublicValue(_group, peerPublic))
        {
            throw new ArgumentException(
                $"Peer DH value for group {_group.Id} must be {_group.PrimeLength} bytes with 1 < y < p-1.",
                nameof(peerPublic));
        }

        byte[] secret = _domain.Derive(_key, peerPublic);

        // With y in range and a safe prime, z cannot be 0 or 1; check anyway, as the managed one does.
        if (secret.AsSpan(0, secret.Length - 1).IndexOfAnyExcept((byte)0) < 0 && secret[^1] <= 1)
        {
            CryptographicOperations.ZeroMemory(secret);
            throw new ArgumentException("Peer DH value produced a degenerate shared secret.", nameof(peerPublic));
        }

        return secret;
    }

    /// <summary>Frees the OpenSSL key, which clears the private exponent; further derivations throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _key.Dispose();

    private static Lazy<Domain>[] CreateDomains()
    {
        ModpGroup[] groups = [ModpGroup.Modp1024, ModpGroup.Modp1536, ModpGroup.Modp2048, ModpGroup.Modp3072, ModpGroup.Modp4096];
        return Array.ConvertAll(groups, g => new Lazy<Domain>(() => new Domain(g), LazyThreadSafetyMode.ExecutionAndPublication));
    }

    private static Domain GetDomain(ModpGroup group)
    {
        int index = group.Id switch { 2 => 0, 5 => 1, 14 => 2, 15 => 3, 16 => 4, _ => -1 };
        Domain? domain = index >= 0 ? Domains[index].Value : null;
        return domain is not null && ReferenceEquals(domain.Group, group)
            ? domain
            : throw new ArgumentOutOfRangeException(nameof(group), group.Id, "Not a supported MODP group.");
    }

    /// <summary>
    /// One group's libcrypto objects, built once per process and only read afterwards: p and g as
    /// BIGNUMs, a parameters-only EVP_PKEY to generate keys from, and the keygen's "priv_len".
    /// </summary>
    private sealed class Domain
    {
        private readonly LibcryptoBignumHandle _p;
        private readonly LibcryptoBignumHandle _g;
        private readonly LibcryptoPkeyHandle _parameters;
        private readonly LibcryptoParamHandle _keygenParameters;

        internal Domain(ModpGroup group)
        {
            Group = group;
            _p = ToBignum(group.Prime);
            Span<byte> generator = [(byte)group.Generator];
            _g = ToBignum(generator);

            using (LibcryptoParamHandle domainParameters = Build(bld => PushDomain(bld)))
            using (LibcryptoPkeyContextHandle ctx = Libcrypto.EVP_PKEY_CTX_new_from_name(IntPtr.Zero, "DH", null))
            {
                Check(!ctx.IsInvalid, "EVP_PKEY_CTX_new_from_name(DH)");
                Check(Libcrypto.EVP_PKEY_fromdata_init(ctx) == 1, "EVP_PKEY_fromdata_init");
                int ok = Libcrypto.EVP_PKEY_fromdata(ctx, out _parameters, Libcrypto.SelectKeyParameters, domainParameters);
                Check(ok == 1 && !_parameters.IsInvalid, "EVP_PKEY_fromdata(parameters)");
            }

            _keygenParameters = Build(bld => Check(
                Libcrypto.OSSL_PARAM_BLD_push_int(bld, Libcrypto.ParamName.PrivLen, group.PrivateExponentBits) == 1,
                "OSSL_PARAM_BLD_push_int(priv_len)"));
        }

        internal ModpGroup Group { get; }

        internal LibcryptoPkeyHandle GenerateKey()
        {
            using LibcryptoPkeyContextHandle ctx = Libcrypto.EVP_PKEY_CTX_new_from_pkey(IntPtr.Zero, _parameters, null);
            Check(!ctx.IsInvalid, "EVP_PKEY_CTX_new_from_pkey");
            Check(Libcrypto.EVP_PKEY_keygen_init(ctx) == 1, "EVP_PKEY_keygen_init");
            Check(Libcrypto.EVP_PKEY_CTX_set_params(ctx, _keygenParameters) == 1, "EVP_PKEY_CTX_set_params(priv_len)");
            int ok = Libcrypto.EVP_PKEY_generate(ctx, out LibcryptoPkeyHandle key);
            if (ok != 1 || key.IsInvalid)
            {
                key.Dispose();
                throw Libcrypto.Failure("EVP_PKEY_generate");
            }

            return key;
        }

        internal unsafe byte[] ExportPublicValue(LibcryptoPkeyHandle key)
        {
            if (Libcrypto.EVP_PKEY_get_bn_param(key, "pub", out LibcryptoBignumHandle pub) != 1 || pub.IsInvalid)
            {
                pub.Dispose();
                throw Libcrypto.Failure("EVP_PKEY_get_bn_param(pub)");
            }

            using (pub)
            {
                var value = new byte[Group.PrimeLength];
                fixed (byte* to = value)
                {
                    Check(Libcrypto.BN_bn2binpad(pub, to, value.Length) == value.Length, "BN_bn2binpad(pub)");
                }

                return value;
            }
        }

        internal unsafe byte[] Derive(LibcryptoPkeyHandle key, ReadOnlySpan<byte> peerPublic)
        {
            using LibcryptoPkeyHandle peer = ImportPeer(peerPublic);
            using LibcryptoPkeyContextHandle ctx = Libcrypto.EVP_PKEY_CTX_new_from_pkey(IntPtr.Zero, key, null);
            Check(!ctx.IsInvalid, "EVP_PKEY_CTX_new_from_pkey");
            Check(Libcrypto.EVP_PKEY_derive_init(ctx) == 1, "EVP_PKEY_derive_init");

            // RFC 2409 §5: g^xy is used at the full prime length, leading zeros kept.
            Check(Libcrypto.EVP_PKEY_CTX_set_dh_pad(ctx, 1) == 1, "EVP_PKEY_CTX_set_dh_pad");

            // Validated by the caller (1 < y < p-1, exact length); skip OpenSSL's extra y^q check.
            Check(Libcrypto.EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) == 1, "EVP_PKEY_derive_set_peer_ex");

            int length = Group.PrimeLength;
            var secret = new byte[length];
            nuint written = (nuint)length;
            int ok;
            fixed (byte* output = secret)
            {
                ok = Libcrypto.EVP_PKEY_derive(ctx, output, ref written);
            }

            if (ok != 1 || written == 0 || written > (nuint)length)
            {
                CryptographicOperations.ZeroMemory(secret);
                throw Libcrypto.Failure("EVP_PKEY_derive");
            }

            if (written < (nuint)length)
            {
                // Padding was requested, so this should not happen; left-pad rather than trust it.
                int shift = length - (int)written;
                secret.AsSpan(0, (int)written).CopyTo(secret.AsSpan(shift));
                secret.AsSpan(0, shift).Clear();
            }

            return secret;
        }

        private LibcryptoPkeyHandle ImportPeer(ReadOnlySpan<byte> peerPublic)
        {
            using LibcryptoBignumHandle y = ToBignum(peerPublic);
            using LibcryptoParamHandle parameters = Build(bld =>
            {
                PushDomain(bld);
                Check(Libcrypto.OSSL_PARAM_BLD_push_BN(bld, Libcrypto.ParamName.Pub, y) == 1, "OSSL_PARAM_BLD_push_BN(pub)");
            });
            using LibcryptoPkeyContextHandle ctx = Libcrypto.EVP_PKEY_CTX_new_from_name(IntPtr.Zero, "DH", null);
            Check(!ctx.IsInvalid, "EVP_PKEY_CTX_new_from_name(DH)");
            Check(Libcrypto.EVP_PKEY_fromdata_init(ctx) == 1, "EVP_PKEY_fromdata_init");
            int ok = Libcrypto.EVP_PKEY_fromdata(ctx, out LibcryptoPkeyHandle peer, Libcrypto.SelectPublicKey, parameters);
            if (ok != 1 || peer.IsInvalid)
            {
                peer.Dispose();
                throw Libcrypto.Failure("EVP_PKEY_fromdata(peer)");
            }

            return peer;
        }

        private void PushDomain(LibcryptoParamBuilderHandle bld)
        {
            Check(Libcrypto.OSSL_PARAM_BLD_push_BN(bld, Libcrypto.ParamName.P, _p) == 1, "OSSL_PARAM_BLD_push_BN(p)");
            Check(Libcrypto.OSSL_PARAM_BLD_push_BN(bld, Libcrypto.ParamName.G, _g) == 1, "OSSL_PARAM_BLD_push_BN(g)");
        }

        private static LibcryptoParamHandle Build(Action<LibcryptoParamBuilderHandle> push)
        {
            using LibcryptoParamBuilderHandle bld = Libcrypto.OSSL_PARAM_BLD_new();
            Check(!bld.IsInvalid, "OSSL_PARAM_BLD_new");
            push(bld);
            LibcryptoParamHandle parameters = Libcrypto.OSSL_PARAM_BLD_to_param(bld);
            if (parameters.IsInvalid)
            {
                parameters.Dispose();
                throw Libcrypto.Failure("OSSL_PARAM_BLD_to_param");
            }

            return parameters;
        }

        private static unsafe LibcryptoBignumHandle ToBignum(ReadOnlySpan<byte> bigEndian)
        {
            LibcryptoBignumHandle bn;
            fixed (byte* s = bigEndian)
            {
                bn = Libcrypto.BN_bin2bn(s, bigEndian.Length, IntPtr.Zero);
            }

            if (bn.IsInvalid)
            {
                bn.Dispose();
                throw Libcrypto.Failure("BN_bin2bn");
            }

            return bn;
        }

        private static void Check(bool ok, string call)
        {
            if (!ok)
            {
                throw Libcrypto.Failure(call);
            }
        }
    }
}
