using System.Diagnostics;
using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Tests.Crypto;

public class CryptoSelfTestTests
{
    private static readonly string[] ExpectedChecks =
    [
        "MD5", "SHA-1", "SHA2-256", "SHA2-384", "SHA2-512", "MD4",
        "HMAC-MD5", "HMAC-SHA1", "HMAC-SHA2-256", "HMAC-SHA2-384", "HMAC-SHA2-512",
        "HMAC-SHA1-96", "HMAC-SHA2-256-128",
        "AES-128-CBC", "AES-192-CBC", "AES-256-CBC", "AES-GCM-16", "3DES-CBC", "DES",
        "MS-CHAPv2", "CHAP-MD5",
        "DH-MODP", "ECDH-P256", "ECDH-P384",
        "RSA-PKCS1-SHA256", "RSA-PKCS1-RAW",
        "CSPRNG",
    ];

    [Fact]
    public void All_checks_pass()
    {
        IReadOnlyList<SelfTestResult> results = CryptoSelfTest.Run();
        Assert.All(results, r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
        Assert.All(results, r => Assert.Null(r.Detail));
    }

    [Fact]
    public void Every_primitive_has_exactly_one_check()
    {
        IReadOnlyList<SelfTestResult> results = CryptoSelfTest.Run();
        Assert.Equal(ExpectedChecks, results.Select(r => r.Name));
    }

    [Fact]
    public void Run_is_fast()
    {
        CryptoSelfTest.Run(); // warm-up: JIT, OpenSSL initialisation
        var stopwatch = Stopwatch.StartNew();
        CryptoSelfTest.Run();
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"self-test took {stopwatch.Elapsed.TotalMilliseconds} ms");
    }
}
