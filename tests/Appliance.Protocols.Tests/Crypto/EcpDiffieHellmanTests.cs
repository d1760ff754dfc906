using System.Security.Cryptography;
using Appliance.Protocols.Crypto;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;

namespace Appliance.Protocols.Tests.Crypto;

public class EcpDiffieHellmanTests
{
    // RFC 5903 §8.1 (256-bit random ECP group) and §8.2 (384-bit random ECP group): private values
    // i and r, public values g^i = (gix, giy) and g^r = (grx, gry) and the shared value girx.
    public static TheoryData<int, string, string, string, string, string> Rfc5903Vectors => new()
    {
        {
            19,
            "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
            "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180" +
            "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
            "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53",
            "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63" +
            "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
            "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE"
        },
        {
            20,
            "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655 E35B5380 41E649EE 3FAEF896 783AB194",
            "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6 DE3AC808 ACB4BDB4 C88732AE E95F41AA" +
            "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E EB9FCFF3 C2C947DA E69B4C63 4573A81C",
            "41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942 E0308312 916B8ED2 960E4BD5 5A7448FC",
            "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D 0D1AC43A 0336DEF9 6FDA41D0 774A3571" +
            "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF F83FA401 42209DFF 5EAAD96D B9E6386C",
            "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4 D6031355 69B9E9D0 9CF5D4A2 70F59746"
        },
    };

    [Theory]
    [MemberData(nameof(Rfc5903Vectors))]
    public void Matches_RFC5903_vectors_in_both_directions(int group, string i, string gi, string r, string gr, string girx)
    {
        using EcpDiffieHellman initiator = EcpDiffieHellman.FromPrivateKey(group, Parse(i));
        using EcpDiffieHellman responder = EcpDiffieHellman.FromPrivateKey(group, Parse(r));
        Assert.Equal(group, initiator.Group);

        // RFC 5903 §7: the KE payload is x || y with no 0x04 prefix.
        Assert.Equal(Norm(gi), Of(initiator.PublicValue));
        Assert.Equal(Norm(gr), Of(responder.PublicValue));

        // The shared secret is the x coordinate only.
        Assert.Equal(Norm(girx), Of(initiator.DeriveSharedSecret(Parse(gr))));
        Assert.Equal(Norm(girx), Of(responder.DeriveSharedSecret(Parse(gi))));
    }

    // Both key-pair backends (libcrypto's EC point calls, .NET's ECDiffieHellman) against the
    // RFC 5903 vectors, whichever one the host would pick by default.
    [Theory]
    [MemberData(nameof(Rfc5903Vectors))]
    public void Both_backends_match_RFC5903_vectors(int group, string i, string gi, string r, string gr, string girx)
    {
        Assert.True(LibcryptoEcpKey.IsAvailable); // libcrypto 3 is present wherever these tests run
        foreach (bool useLibcrypto in new[] { true, false })
        {
            using EcpDiffieHellman initiator = EcpDiffieHellman.FromPrivateKey(group, Parse(i), useLibcrypto);
            using EcpDiffieHellman responder = EcpDiffieHellman.FromPrivateKey(group, Parse(r), useLibcrypto);
            Assert.Equal(Norm(gi), Of(initiator.PublicValue));
            Assert.Equal(Norm(gr), Of(responder.PublicValue));
            Assert.Equal(Norm(girx), Of(initiator.DeriveSharedSecret(Parse(gr))));
            Assert.Equal(Norm(girx), Of(responder.DeriveSharedSecret(Parse(gi))));
        }
    }

    // libcrypto's own point decoding must refuse what the managed check refuses (it is the second
    // lock on that door), and (x, -y) gives the same x coordinate: d·(-P) = -(d·P).
    [Theory]
    [MemberData(nameof(Rfc5903Vectors))]
    public void Libcrypto_key_refuses_invalid_points_itself(int group, string i, string gi, string r, string gr, string girx)
    {
        _ = gi;
        _ = r;
        EcpCurve curve = EcpCurve.FromGroup(group)!;
        int size = curve.CoordinateSize;
        byte[] scalar = Parse(i);
        using var key = new LibcryptoEcpKey(group, scalar, size);
        byte[] valid = Parse(gr);
        byte[] offCurve = (byte[])valid.Clone();
        offCurve[^1] ^= 0x01;
        byte[] xTooBig = (byte[])valid.Clone();
        curve.P.ToByteArray(isUnsigned: true, isBigEndian: true).CopyTo(xTooBig, 0);
        System.Numerics.BigInteger yPlusP = curve.P + ToBig(valid.AsSpan(size).ToArray());
        byte[] negatedY = [.. valid.AsSpan(0, size), .. Fixed(curve.P - ToBig(valid.AsSpan(size).ToArray()), size)];

        Assert.Equal(Norm(girx), Of(key.Derive(valid)!));
        Assert.Equal(Norm(girx), Of(key.Derive(negatedY)!));
        Assert.Null(key.Derive(offCurve));
        Assert.Null(key.Derive(xTooBig));
        Assert.Null(key.Derive(new byte[2 * size]));
        Assert.Null(key.Derive(valid.AsSpan(1)));
        Assert.Null(key.Derive([0x04, .. valid]));
        if (yPlusP.GetByteCount(isUnsigned: true) <= size)
        {
            // y + p still fits the field length: must be refused, not reduced mod p.
            Assert.Null(key.Derive([.. valid.AsSpan(0, size), .. Fixed(yPlusP, size)]));
        }
    }

    // FIPS 186-4 D.1.2.3/D.1.2.4 constants in EcpCurve must equal what OpenSSL uses.
    [Theory]
    [InlineData(19)]
    [InlineData(20)]
    public void Curve_constants_match_OpenSSL_explicit_parameters(int group)
    {
        EcpCurve curve = EcpCurve.FromGroup(group)!;
        using ECDiffieHellman ecdh = ECDiffieHellman.Create(curve.NamedCurve);
        ECCurve explicitCurve = ecdh.ExportExplicitParameters(false).Curve;
        Assert.Equal(ToBig(explicitCurve.Prime!), curve.P);
        Assert.Equal(ToBig(explicitCurve.B!), curve.B);
        Assert.Equal(ToBig(explicitCurve.Order!), curve.N);
        Assert.Equal(ToBig(explicitCurve.A!), curve.P - 3);
        Assert.Equal(curve.CoordinateSize, explicitCurve.Prime!.Length);
    }

    [Theory]
    [InlineData(19)]
    [InlineData(20)]
    public void Two_party_agreement_with_random_keys(int group)
    {
        using var alice = new EcpDiffieHellman(group, SystemRandomSource.Instance);
        using var bob = new EcpDiffieHellman(group, SystemRandomSource.Instance);
        int size = group == 19 ? 32 : 48;
        Assert.Equal(2 * size, alice.PublicValue.Length);
        Assert.True(EcpDiffieHellman.IsValidPublicValue(group, alice.PublicValue));

        byte[] za = alice.DeriveSharedSecret(bob.PublicValue);
        Assert.Equal(size, za.Length);
        Assert.Equal(za, bob.DeriveSharedSecret(alice.PublicValue));
    }

    [Theory]
    [MemberData(nameof(Rfc5903Vectors))]
    public void Invalid_peer_points_are_rejected(int group, string i, string gi, string r, string gr, string girx)
    {
        _ = r;
        _ = girx;
        _ = gi;
        using EcpDiffieHellman dh = EcpDiffieHellman.FromPrivateKey(group, Parse(i));
        byte[] valid = Parse(gr);
        int size = valid.Length / 2;
        EcpCurve curve = EcpCurve.FromGroup(group)!;

        byte[] offCurve = (byte[])valid.Clone();
        offCurve[^1] ^= 0x01;
        byte[] xTooBig = (byte[])valid.Clone();
        curve.P.ToByteArray(isUnsigned: true, isBigEndian: true).CopyTo(xTooBig, 0); // x = p
        byte[] negatedY = [.. valid.AsSpan(0, size), .. Fixed(curve.P - ToBig(valid.AsSpan(size).ToArray()), size)];

        Assert.True(EcpDiffieHellman.IsValidPublicValue(group, negatedY)); // (x, -y) is on the curve too
        Assert.False(EcpDiffieHellman.IsValidPublicValue(group, offCurve));
        Assert.False(EcpDiffieHellman.IsValidPublicValue(group, xTooBig));
        Assert.False(EcpDiffieHellman.IsValidPublicValue(group, new byte[2 * size]));
        Assert.False(EcpDiffieHellman.IsValidPublicValue(group, [0x04, .. valid])); // SEC1 prefix is not IKE framing
        Assert.False(EcpDiffieHellman.IsValidPublicValue(group, valid.AsSpan(1)));
        Assert.False(EcpDiffieHellman.IsValidPublicValue(group, valid.AsSpan(0, size)));

        Assert.Throws<ArgumentException>(() => dh.DeriveSharedSecret(offCurve));
        Assert.Throws<ArgumentException>(() => dh.DeriveSharedSecret(xTooBig));
        Assert.Throws<ArgumentException>(() => dh.DeriveSharedSecret(new byte[2 * size]));
        Assert.Throws<ArgumentException>(() => dh.DeriveSharedSecret([0x04, .. valid]));
        Assert.Throws<ArgumentException>(() => dh.DeriveSharedSecret(ReadOnlySpan<byte>.Empty));
    }

    // Scalars are drawn by rejection sampling from the injected random source: all-0xFF exceeds the
    // group order and is redrawn; all-zero is never accepted.
    [Fact]
    public void Scalar_generation_rejects_out_of_range_draws()
    {
        var source = new FixedRandomSource(0xFF, 0x11);
        using var dh = new EcpDiffieHellman(19, source);
        Assert.Equal(2, source.Calls);
        using EcpDiffieHellman expected = EcpDiffieHellman.FromPrivateKey(19, Repeat(0x11, 32));
        Assert.Equal(expected.PublicValue.ToArray(), dh.PublicValue.ToArray());

        Assert.Throws<CryptographicException>(() => new EcpDiffieHellman(20, new FixedRandomSource(0x00)));
    }

    [Fact]
    public void Unsupported_group_and_bad_private_key_length_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EcpDiffieHellman(21, SystemRandomSource.Instance));
        Assert.Throws<ArgumentException>(() => EcpDiffieHellman.FromPrivateKey(19, new byte[31]));
    }

    [Fact]
    public void Derive_after_dispose_throws()
    {
        var dh = new EcpDiffieHellman(19, SystemRandomSource.Instance);
        byte[] peer = dh.PublicValue.ToArray();
        dh.Dispose();
        Assert.Throws<ObjectDisposedException>(() => dh.DeriveSharedSecret(peer));
    }

    private static System.Numerics.BigInteger ToBig(byte[] bigEndian) => new(bigEndian, isUnsigned: true, isBigEndian: true);

    private static byte[] Fixed(System.Numerics.BigInteger value, int length)
    {
        byte[] minimal = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = new byte[length];
        minimal.CopyTo(result, length - minimal.Length);
        return result;
    }
}
