using Appliance.Protocols.Crypto;
using Appliance.Protocols.Esp;

namespace Appliance.Protocols.Ike.Policy;

/// <summary>
/// Which offered transform a security level accepts, and which of the acceptable ones to pick:
/// the first in the client's order, except that an algorithm this box accelerates (a SoC engine or
/// CPU instructions, learnt from /proc/crypto at start) beats one it does not.
/// </summary>
public sealed class AlgorithmPolicy(SecurityLevel level, Func<EspProposal, bool>? accelerated = null)
{
    public SecurityLevel Level { get; } = level;

    public bool Accepts(Phase1Proposal p)
    {
        if (p.Cipher == IkeCipher.Aes && p.KeyBits is not (128 or 192 or 256)) return false;
        if (!DiffieHellmanGroups.IsSupported(p.Group)) return false;
        return Level switch
        {
            SecurityLevel.Modern => p.Cipher == IkeCipher.Aes && p.Hash is DigestAlgorithm.Sha256 or DigestAlgorithm.Sha384 or DigestAlgorithm.Sha512
                && p.Group is 14 or 15 or 16 or 19 or 20,
            SecurityLevel.Compatible => p.Hash != DigestAlgorithm.Md5,
            _ => true,
        };
    }

    public bool Accepts(EspProposal p)
    {
        // EspTransform already refuses impossible combinations (CBC without HMAC, GCM with one).
        if (p.PfsGroup is { } g && !DiffieHellmanGroups.IsSupported(g)) return false;
        return Level switch
        {
            SecurityLevel.Modern => p.Cipher != EspCipher.TripleDesCbc
                && p.Integrity is EspIntegrity.None or EspIntegrity.HmacSha256_128 or EspIntegrity.HmacSha384_192 or EspIntegrity.HmacSha512_256
                && p.PfsGroup is null or 14 or 15 or 16 or 19 or 20,
            SecurityLevel.Compatible => p.Integrity != EspIntegrity.HmacMd5_96,
            _ => true,
        };
    }

    public Phase1Proposal? Choose(IEnumerable<Phase1Proposal> offered) => offered.FirstOrDefault(Accepts);

    public EspProposal? Choose(IEnumerable<EspProposal> offered)
    {
        var acceptable = offered.Where(Accepts).ToList();
        if (accelerated is not null && acceptable.FirstOrDefault(accelerated) is { } fast) return fast;
        return acceptable.FirstOrDefault();
    }
}
