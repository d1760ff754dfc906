using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Ike.Policy;

public enum IkeCipher { Aes, TripleDes }

/// <summary>One phase-1 transform as the client offered it, in our terms.</summary>
public sealed record Phase1Proposal(IkeCipher Cipher, int KeyBits, DigestAlgorithm Hash, int Group, ushort AuthMethod, uint LifetimeSeconds)
{
    public int KeyBytes => Cipher == IkeCipher.TripleDes ? 24 : KeyBits / 8;
    public int BlockSize => Cipher == IkeCipher.TripleDes ? 8 : 16;
    public override string ToString() =>
        $"{(Cipher == IkeCipher.TripleDes ? "3DES" : $"AES-{KeyBits}")}/{Hash}/group {Group}/auth {AuthMethod}";
}
