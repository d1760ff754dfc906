using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Tests.L2tp;

/// <summary>A seeded, repeatable random source, so ids and challenges differ but runs do not.</summary>
internal sealed class L2tpTestRandom(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public void Fill(Span<byte> destination) => _random.NextBytes(destination);
}
