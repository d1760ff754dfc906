namespace Appliance.Protocols.Crypto;

/// <summary>
/// Where protocol code gets random bytes (nonces, IVs, SPIs, DH private keys). Protocol cores take
/// randomness as an argument so that tests can make it deterministic; production passes
/// <see cref="SystemRandomSource.Instance"/>.
/// </summary>
public interface IRandomSource
{
    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    void Fill(Span<byte> destination);
}
