using Appliance.Protocols.Crypto;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;
using NBigInteger = System.Numerics.BigInteger;

namespace Appliance.Protocols.Tests.Crypto;

// Needs libcrypto.so.3 (OpenSSL 3), present on the development, CI and board images.
public class LibcryptoModpDiffieHellmanTests
{
    public static TheoryData<int> ModpGroups => new() { 2, 5, 14, 15, 16 };

    [Fact]
    public void Libcrypto_is_available_here()
    {
        Assert.True(LibcryptoModpDiffieHellman.IsAvailable);
    }

    // A in libcrypto, B in BouncyCastle, and the other way round: same g^xy, full prime length.
    [Theory]
    [MemberData(nameof(ModpGroups))]
    public void Cross_agreement_with_BouncyCastle_gives_equal_full_length_secrets(int id)
    {
        ModpGroup group = ModpGroup.FromId(id)!;
        using var a = new LibcryptoModpDiffieHellman(group);
        using var b = new ModpDiffieHellman(group, SystemRandomSource.Instance);
        Assert.Equal(id, a.Group);
        Assert.Same(group, a.ModpGroup);
        Assert.Equal(group.PrimeLength, a.PublicValue.Length);
        Assert.True(ModpDiffieHellman.IsValidPublicValue(group, a.PublicValue));

        byte[] za = a.DeriveSharedSecret(b.PublicValue);
        byte[] zb = b.DeriveSharedSecret(a.PublicValue);
        Assert.Equal(group.PrimeLength, za.Length);
        Assert.Equal(zb, za);

        using var c = new LibcryptoModpDiffieHellman(group);
        Assert.NotEqual(a.PublicValue.ToArray(), c.PublicValue.ToArray());
        Assert.Equal(c.DeriveSharedSecret(a.PublicValue), a.DeriveSharedSecret(c.PublicValue));
    }

    // Independent arithmetic (System.Numerics): against a peer with known exponent x, the
    // libcrypto secret must be (its public value)^x mod p.
    [Theory]
    [MemberData(nameof(ModpGroups))]
    public void Secret_matches_independent_modpow(int id)
    {
        ModpGroup group = ModpGroup.FromId(id)!;
        byte[] x = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x11];
        var p = new NBigInteger(group.Prime, isUnsigned: true, isBigEndian: true);
        var xi = new NBigInteger(x, isUnsigned: true, isBigEndian: true);
        using var managed = new ModpDiffieHellman(group, x);
        using var lib = new LibcryptoModpDiffieHellman(group);

        var yLib = new NBigInteger(lib.PublicValue, isUnsigned: true, isBigEndian: true);
        byte[] expected = FixedLength(NBigInteger.ModPow(yLib, xi, p), group.PrimeLength);
        Assert.Equal(expected, lib.DeriveSharedSecret(managed.PublicValue));
    }

    // Secrets with leading zero bytes keep them (RFC 2409 §5): find a libcrypto key pair whose
    // secret against some peer starts with 0x00 and check the length is still the prime length.
    [Fact]
    public void Secret_with_leading_zero_byte_stays_full_length()
    {
        ModpGroup group = ModpGroup.Modp1024;
        using var peer = new ModpDiffieHellman(group, SystemRandomSource.Instance);
        for (int attempt = 0; attempt < 2000; attempt++)
        {
            using var lib = new LibcryptoModpDiffieHellman(group);
            byte[] z = lib.DeriveSharedSecret(peer.PublicValue);
            Assert.Equal(group.PrimeLength, z.Length);
            Assert.Equal(peer.DeriveSharedSecret(lib.PublicValue), z);
            if (z[0] == 0)
            {
                return;
            }
        }

        Assert.Fail("no secret with a leading zero byte in 2000 tries (expected about 8 of them)");
    }

    [Theory]
    [MemberData(nameof(ModpGroups))]
    public void Private_exponent_has_the_group_exponent_length(int id)
    {
        ModpGroup group = ModpGroup.FromId(id)!;
        int max = 0;
        for (int i = 0; i < 8; i++)
        {
            using var lib = new LibcryptoModpDiffieHellman(group);
            int bits = lib.PrivateExponentBitLength;
            Assert.InRange(bits, group.PrivateExponentBits - 32, group.PrivateExponentBits);
            max = Math.Max(max, bits);
        }

        Assert.True(max >= group.PrivateExponentBits - 4, $"longest of 8 exponents was {max} bits");
    }

    [Theory]
    [MemberData(nameof(ModpGroups))]
    public void Validation_rejects_degenerate_out_of_range_and_misframed_values(int id)
    {
        ModpGroup group = ModpGroup.FromId(id)!;
        int len = group.PrimeLength;
        byte[] p = group.Prime.ToArray();
        byte[] zero = new byte[len];
        byte[] one = new byte[len];
        one[^1] = 1;
        byte[] two = new byte[len];
        two[^1] = 2;
        using var lib = new LibcryptoModpDiffieHellman(group);

        byte[][] bad =
        [
            zero,
            one,
            Add(p, -1),
            p,
            Add(p, 1),
            Repeat(0xFF, len),
            [0x00, .. two], // oversize, even though numerically valid
            two[1..], // undersize
            [],
        ];
        foreach (byte[] value in bad)
        {
            Assert.Throws<ArgumentException>(() => lib.DeriveSharedSecret(value));
        }

        // Smallest and largest accepted values still derive (2^x and (p-2)^x), full length.
        Assert.Equal(len, lib.DeriveSharedSecret(two).Length);
        Assert.Equal(len, lib.DeriveSharedSecret(Add(p, -2)).Length);
    }

    [Fact]
    public void Disposed_key_refuses_to_derive()
    {
        var lib = new LibcryptoModpDiffieHellman(ModpGroup.Modp2048);
        using var peer = new LibcryptoModpDiffieHellman(ModpGroup.Modp2048);
        lib.Dispose();
        lib.Dispose();
        Assert.Throws<ObjectDisposedException>(() => lib.DeriveSharedSecret(peer.PublicValue));
        Assert.Equal(256, lib.PublicValue.Length);
    }

    [Fact]
    public void Factory_prefers_libcrypto_for_the_system_source_and_honours_injected_sources()
    {
        foreach (int id in new[] { 2, 5, 14, 15, 16 })
        {
            using IDiffieHellman system = DiffieHellmanGroups.Create(id);
            Assert.IsType<LibcryptoModpDiffieHellman>(system);
            using IDiffieHellman injected = DiffieHellmanGroups.Create(id, new FixedRandomSource(0x33));
            Assert.IsType<ModpDiffieHellman>(injected);
            Assert.Equal(system.DeriveSharedSecret(injected.PublicValue), injected.DeriveSharedSecret(system.PublicValue));
        }

        using IDiffieHellman ecp = DiffieHellmanGroups.Create(19);
        Assert.IsType<EcpDiffieHellman>(ecp);
    }

    [Fact]
    public void Concurrent_use_from_several_threads_agrees()
    {
        Parallel.For(0, 64, i =>
        {
            ModpGroup group = (i % 2) == 0 ? ModpGroup.Modp2048 : ModpGroup.Modp1536;
            using var a = new LibcryptoModpDiffieHellman(group);
            using var b = new LibcryptoModpDiffieHellman(group);
            Assert.Equal(a.DeriveSharedSecret(b.PublicValue), b.DeriveSharedSecret(a.PublicValue));
        });
    }

    private static byte[] Add(byte[] bigEndian, int delta)
    {
        var n = new NBigInteger(bigEndian, isUnsigned: true, isBigEndian: true) + delta;
        return FixedLength(n, bigEndian.Length);
    }

    private static byte[] FixedLength(NBigInteger n, int length)
    {
        byte[] minimal = n.ToByteArray(isUnsigned: true, isBigEndian: true);
        if (minimal.Length > length)
        {
            return minimal;
        }

        var padded = new byte[length];
        minimal.CopyTo(padded, length - minimal.Length);
        return padded;
    }
}
