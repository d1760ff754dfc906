using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// Domain constants of the two IKE ECP groups (RFC 5903 §3), needed to validate peer points and
/// to draw private scalars ourselves. Values from FIPS 186-4 Appendix D.1.2.3 (P-256) and D.1.2.4
/// (P-384); both curves have a = -3 and cofactor 1.
/// </summary>
internal sealed class EcpCurve
{
    private EcpCurve(int group, ECCurve namedCurve, int coordinateSize, string p, string b, string n)
    {
        Group = group;
        NamedCurve = namedCurve;
        CoordinateSize = coordinateSize;
        P = Parse(p);
        B = Parse(b);
        N = Parse(n);
    }

    /// <summary>Group 19, NIST P-256.</summary>
    public static EcpCurve P256 { get; } = new(
        19,
        ECCurve.NamedCurves.nistP256,
        32,
        p: "FFFFFFFF 00000001 00000000 00000000 00000000 FFFFFFFF FFFFFFFF FFFFFFFF",
        b: "5AC635D8 AA3A93E7 B3EBBD55 769886BC 651D06B0 CC53B0F6 3BCE3C3E 27D2604B",
        n: "FFFFFFFF 00000000 FFFFFFFF FFFFFFFF BCE6FAAD A7179E84 F3B9CAC2 FC632551");

    /// <summary>Group 20, NIST P-384.</summary>
    public static EcpCurve P384 { get; } = new(
        20,
        ECCurve.NamedCurves.nistP384,
        48,
        p: "FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFE FFFFFFFF 00000000 00000000 FFFFFFFF",
        b: "B3312FA7 E23EE7E4 988E056B E3F82D19 181D9C6E FE814112 0314088F 5013875A C656398D 8A2ED19D 2A85C8ED D3EC2AEF",
        n: "FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF C7634D81 F4372DDF 581A0DB2 48B0A77A ECEC196A CCC52973");

    /// <summary>IANA group number.</summary>
    public int Group { get; }

    /// <summary>The .NET named curve (OpenSSL does the point arithmetic).</summary>
    public ECCurve NamedCurve { get; }

    /// <summary>Field element (and scalar) length in bytes.</summary>
    public int CoordinateSize { get; }

    /// <summary>Field prime.</summary>
    public BigInteger P { get; }

    /// <summary>Curve coefficient b (a is -3).</summary>
    public BigInteger B { get; }

    /// <summary>Order of the base point.</summary>
    public BigInteger N { get; }

    /// <summary>Returns the curve for IANA group <paramref name="group"/>, or null.</summary>
    public static EcpCurve? FromGroup(int group) => group switch
    {
        19 => P256,
        20 => P384,
        _ => null,
    };

    /// <summary>
    /// Whether (x, y), given as big-endian field-length coordinates, is a point on the curve:
    /// 0 ≤ x, y &lt; p and y² ≡ x³ − 3x + b (mod p). With cofactor 1 that is the full public-key
    /// validation of NIST SP 800-56A §5.6.2.3.3 (the point at infinity has no x||y encoding).
    /// </summary>
    public bool IsOnCurve(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        var bx = new BigInteger(x, isUnsigned: true, isBigEndian: true);
        var by = new BigInteger(y, isUnsigned: true, isBigEndian: true);
        if (bx >= P || by >= P)
        {
            return false;
        }

        BigInteger left = by * by % P;
        BigInteger right = ((bx * bx % P * bx) - (3 * bx) + B) % P;
        if (right.Sign < 0)
        {
            right += P;
        }

        return left == right;
    }

    private static BigInteger Parse(string hex) =>
        BigInteger.Parse("0" + hex.Replace(" ", string.Empty, StringComparison.Ordinal), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
