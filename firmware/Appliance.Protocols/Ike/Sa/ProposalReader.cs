using Appliance.Protocols.Crypto;
using Appliance.Protocols.Esp;
using Appliance.Protocols.Ike.Policy;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>Turns SA payload transforms into our proposal records; a transform with an attribute
/// we do not understand or a value we do not support yields null (it is simply not chosen).</summary>
internal static class ProposalReader
{
    // RFC 2409 Appendix A, phase-1 attribute classes.
    private const ushort P1Encryption = 1, P1Hash = 2, P1Auth = 3, P1Group = 4, P1LifeType = 11, P1LifeDuration = 12, P1KeyLength = 14;
    // RFC 2407 §4.5, IPsec SA attributes.
    private const ushort P2LifeType = 1, P2LifeDuration = 2, P2Group = 3, P2Encapsulation = 4, P2Auth = 5, P2KeyLength = 6;
    // ESP transform identifiers (RFC 2407 §4.4.4, RFC 4106 §6).
    private const byte Esp3Des = 3, EspAesCbc = 12, EspAesGcm16 = 20;

    public static Phase1Proposal? Phase1(Transform t)
    {
        IkeCipher? cipher = null;
        int keyBits = 0, group = 0;
        DigestAlgorithm? hash = null;
        ushort auth = 0;
        uint lifetime = 28800;
        ushort lifeType = 1;
        foreach (var a in t.Attributes)
        {
            ulong v = a.AsInteger;
            switch (a.Type)
            {
                case P1Encryption: cipher = v switch { 5 => IkeCipher.TripleDes, 7 => IkeCipher.Aes, _ => null }; if (cipher is null) return null; break;
                case P1Hash: hash = v switch { 1 => DigestAlgorithm.Md5, 2 => DigestAlgorithm.Sha1, 4 => DigestAlgorithm.Sha256, 5 => DigestAlgorithm.Sha384, 6 => DigestAlgorithm.Sha512, _ => null }; if (hash is null) return null; break;
                case P1Auth: auth = (ushort)v; break;
                case P1Group: group = (int)v; break;
                case P1LifeType: lifeType = (ushort)v; break;
                // A duration applies to the life type given just before it (RFC 2409 Appendix A);
                // only seconds bound an IKE SA here, a kilobyte bound is accepted and ignored.
                case P1LifeDuration: if (lifeType == 1) lifetime = (uint)Math.Min(v, uint.MaxValue); break;
                case P1KeyLength: keyBits = (int)v; break;
                default: break; // unknown attributes of phase 1 are not fatal for the transform
            }
        }
        if (cipher is null || hash is null || group == 0 || auth == 0) return null;
        if (cipher == IkeCipher.Aes && keyBits == 0) keyBits = 128; // RFC 3602 default when absent
        if (cipher == IkeCipher.TripleDes) keyBits = 192;
        return new Phase1Proposal(cipher.Value, keyBits, hash.Value, group, auth, lifetime);
    }

    public static EspProposal? Esp(Transform t)
    {
        EspCipher? cipher = t.TransformId switch { Esp3Des => EspCipher.TripleDesCbc, EspAesCbc => EspCipher.AesCbc, EspAesGcm16 => EspCipher.AesGcm16, _ => null };
        if (cipher is null) return null;
        int keyBits = cipher == EspCipher.TripleDesCbc ? 192 : 0;
        var integrity = EspIntegrity.None;
        ushort encapsulation = 0, lifeType = 1;
        uint? seconds = null, kilobytes = null;
        int? group = null;
        foreach (var a in t.Attributes)
        {
            ulong v = a.AsInteger;
            switch (a.Type)
            {
                case P2LifeType: lifeType = (ushort)v; break;
                case P2LifeDuration:
                    if (lifeType == 1) seconds = (uint)Math.Min(v, uint.MaxValue);
                    else if (lifeType == 2) kilobytes = (uint)Math.Min(v, uint.MaxValue);
                    break;
                case P2Group: group = (int)v; break;
                case P2Encapsulation: encapsulation = (ushort)v; break;
                case P2Auth:
                    EspIntegrity? known = v switch { 1 => EspIntegrity.HmacMd5_96, 2 => EspIntegrity.HmacSha1_96, 5 => EspIntegrity.HmacSha256_128, _ => null };
                    if (known is null) return null;
                    integrity = known.Value;
                    break;
                case P2KeyLength: keyBits = (int)v; break;
                default: return null; // an IPsec attribute we do not know changes the SA's meaning
            }
        }
        if (cipher != EspCipher.TripleDesCbc && keyBits == 0) keyBits = 128;
        return EspTransform.TryCreate(cipher.Value, keyBits, integrity, out var transform)
            ? new EspProposal(transform, encapsulation, seconds, kilobytes, group)
            : null;
    }
}
