namespace Appliance.Protocols.Ike.Policy;

public enum EspCipher { AesCbc, AesGcm16, TripleDes }
public enum EspIntegrity { None, HmacMd5, HmacSha1, HmacSha256 }

/// <summary>One ESP transform from a Quick Mode proposal, in our terms.</summary>
public sealed record EspProposal(EspCipher Cipher, int KeyBits, EspIntegrity Integrity, ushort EncapsulationMode,
    uint? LifetimeSeconds, uint? LifetimeKilobytes, int? PfsGroup)
{
    /// <summary>Encryption key bytes including the 4-byte salt of AES-GCM (RFC 4106 §8.1).</summary>
    public int EncryptionKeyBytes => Cipher switch
    {
        EspCipher.TripleDes => 24,
        EspCipher.AesGcm16 => KeyBits / 8 + 4,
        _ => KeyBits / 8,
    };

    public int IntegrityKeyBytes => Integrity switch
    {
        EspIntegrity.HmacMd5 => 16,
        EspIntegrity.HmacSha1 => 20,
        EspIntegrity.HmacSha256 => 32,
        _ => 0,
    };

    public override string ToString() =>
        $"{Cipher}-{KeyBits}{(Integrity == EspIntegrity.None ? "" : "/" + Integrity)}";
}
