namespace Appliance.Platform.Linux.Probe;

/// <summary>
/// For each algorithm ESP uses, the driver the kernel would pick (the highest priority among the
/// implementations that passed their self-test, as crypto_alg_lookup does) and whether that is a
/// SoC engine, CPU instructions or generic C. Used for the status page and to prefer, among the
/// transforms a client offers, one that this box accelerates.
/// </summary>
public static class CryptoDriverReport
{
    /// <summary>The ESP algorithms, each with the primitive a template would be built on when
    /// /proc/crypto does not list the template yet (templates appear only once instantiated).</summary>
    public static readonly IReadOnlyList<(string Algorithm, string Primitive)> EspAlgorithms =
    [
        ("cbc(aes)", "aes"),
        ("gcm(aes)", "aes"),
        ("hmac(sha1)", "sha1"),
        ("hmac(sha256)", "sha256"),
        ("hmac(sha512)", "sha512"),
    ];

    // Driver or module name fragments of SoC crypto engines found on small ARM/MIPS boards.
    private static readonly string[] EngineMarks =
    [
        "safexcel", "mv_cesa", "mv-", "marvell", "sun8i-ce", "sun8i-ss", "sun4i-ss", "rk-", "rk_", "rockchip",
        "eip93", "eip97", "caam", "talitos", "omap", "atmel", "stm32", "qce", "ccree", "mtk", "meson", "amlogic",
        "ixp4xx", "mxs-dcp", "img-", "s5p", "exynos", "nitrox", "ccp", "cesa",
    ];

    // Driver name fragments of implementations using the CPU's crypto instructions or SIMD.
    private static readonly string[] CpuMarks =
    [
        "aesni", "-ce", "_ce", "neon", "avx", "ssse3", "-ni", "clmul", "pmull", "vaes", "sha-ni", "aes-arm64",
    ];

    public static List<CryptoDriver> Build(IReadOnlyList<ProcCryptoEntry> entries)
    {
        var report = new List<CryptoDriver>();
        foreach (var (algorithm, primitive) in EspAlgorithms)
        {
            var best = Best(entries, algorithm);
            if (best is not null)
            {
                report.Add(new CryptoDriver(algorithm, best.Driver, Classify(best), ""));
                continue;
            }
            var underlying = Best(entries, primitive);
            report.Add(underlying is null
                ? new CryptoDriver(algorithm, "", CryptoAcceleration.Unavailable, $"no {primitive} implementation listed")
                : new CryptoDriver(algorithm, underlying.Driver, Classify(underlying), $"template over {primitive}"));
        }
        return report;
    }

    private static ProcCryptoEntry? Best(IReadOnlyList<ProcCryptoEntry> entries, string name) =>
        entries.Where(e => e.Name == name && e.SelfTestPassed)
            .OrderByDescending(e => e.Priority)
            .FirstOrDefault();

    internal static CryptoAcceleration Classify(ProcCryptoEntry entry)
    {
        string driver = entry.Driver.ToLowerInvariant(), module = entry.Module.ToLowerInvariant();
        if (EngineMarks.Any(m => driver.Contains(m, StringComparison.Ordinal) || module.Contains(m, StringComparison.Ordinal)))
            return CryptoAcceleration.Engine;
        if (driver.EndsWith("-generic", StringComparison.Ordinal) || module == "kernel" && driver.EndsWith("generic", StringComparison.Ordinal))
            return CryptoAcceleration.Generic;
        if (CpuMarks.Any(m => driver.Contains(m, StringComparison.Ordinal) || module.Contains(m, StringComparison.Ordinal)))
            return CryptoAcceleration.Cpu;
        return CryptoAcceleration.Generic;
    }
}
