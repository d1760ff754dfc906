using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Tests.Crypto;

/// <summary>A deterministic <see cref="IRandomSource"/> that replays byte patterns, one per call (the last repeats).</summary>
internal sealed class FixedRandomSource(params byte[] fillPerCall) : IRandomSource
{
    private int _calls;

    public int Calls => _calls;

    public void Fill(Span<byte> destination)
    {
        destination.Fill(fillPerCall[Math.Min(_calls, fillPerCall.Length - 1)]);
        _calls++;
    }
}
