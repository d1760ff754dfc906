using Appliance.Protocols.Esp;

namespace Appliance.Protocols.Ike.Policy;

/// <summary>One ESP transform from a Quick Mode proposal: the algorithms (whose key and ICV sizes
/// the ESP datapath defines) and what the client asked for around them.</summary>
public sealed record EspProposal(EspTransform Transform, ushort EncapsulationMode,
    uint? LifetimeSeconds, uint? LifetimeKilobytes, int? PfsGroup)
{
    public EspCipher Cipher => Transform.Cipher;
    public EspIntegrity Integrity => Transform.Integrity;
    public int KeyBits => Transform.KeyBits;
    /// <summary>Encryption key bytes, including the 4-byte salt of AES-GCM (RFC 4106 §8.1).</summary>
    public int EncryptionKeyBytes => Transform.EncryptionKeyLength;
    public int IntegrityKeyBytes => Transform.IntegrityKeyLength;

    public override string ToString() => Transform.ToString();
}
