namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Data attribute types. Phase 1 (IKE SA transforms, RFC 2409 Appendix A) and phase 2 (IPsec SA
/// transforms, RFC 2407 §4.5) number their attributes independently, so the same number means
/// different things in the two: <see cref="GroupDescription"/> is 4 in phase 1 and
/// <see cref="IpsecGroupDescription"/> 3 in phase 2; <see cref="KeyLength"/> 14 vs
/// <see cref="IpsecKeyLength"/> 6. The phase-2 names that are unique are also here unprefixed;
/// <see cref="Ipsec"/> holds the whole phase-2 set under the RFC 2407 names.
/// </summary>
public static class AttributeType
{
    // Phase 1, RFC 2409 Appendix A. B = basic (TV), V = variable (TLV).

    /// <summary>B. Values in <see cref="Wire.EncryptionAlgorithm"/>.</summary>
    public const ushort EncryptionAlgorithm = 1;
    /// <summary>B. Values in <see cref="Wire.HashAlgorithm"/>.</summary>
    public const ushort HashAlgorithm = 2;
    /// <summary>B. Values in <see cref="AuthMethod"/>.</summary>
    public const ushort AuthenticationMethod = 3;
    /// <summary>B. Values in <see cref="Wire.GroupDescription"/>.</summary>
    public const ushort GroupDescription = 4;
    /// <summary>B. 1 = MODP, 2 = ECP, 3 = EC2N.</summary>
    public const ushort GroupType = 5;
    /// <summary>V.</summary>
    public const ushort GroupPrime = 6;
    /// <summary>V.</summary>
    public const ushort GroupGeneratorOne = 7;
    /// <summary>V.</summary>
    public const ushort GroupGeneratorTwo = 8;
    /// <summary>V.</summary>
    public const ushort GroupCurveA = 9;
    /// <summary>V.</summary>
    public const ushort GroupCurveB = 10;
    /// <summary>B. Values in <see cref="Wire.LifeType"/>.</summary>
    public const ushort LifeType = 11;
    /// <summary>V (often sent as a 4-byte TLV, sometimes TV). Applies to the preceding Life Type.</summary>
    public const ushort LifeDuration = 12;
    /// <summary>B. No PRFs are defined; HMAC of the hash is implied when absent.</summary>
    public const ushort Prf = 13;
    /// <summary>B. Key length in bits for variable-key ciphers (AES: 128/192/256).</summary>
    public const ushort KeyLength = 14;
    /// <summary>B.</summary>
    public const ushort FieldSize = 15;
    /// <summary>V.</summary>
    public const ushort GroupOrder = 16;

    // Phase 2, RFC 2407 §4.5 (unique names; see Ipsec for the full set).

    /// <summary>Phase 2. B. Values in <see cref="Wire.LifeType"/>.</summary>
    public const ushort SaLifeType = Ipsec.SaLifeType;
    /// <summary>Phase 2. V.</summary>
    public const ushort SaLifeDuration = Ipsec.SaLifeDuration;
    /// <summary>Phase 2 (3). B. The PFS group for Quick Mode. Not the phase-1 <see cref="GroupDescription"/> (4).</summary>
    public const ushort IpsecGroupDescription = Ipsec.GroupDescription;
    /// <summary>Phase 2. B. Values in <see cref="Wire.EncapsulationMode"/>.</summary>
    public const ushort EncapsulationMode = Ipsec.EncapsulationMode;
    /// <summary>Phase 2. B. Values in <see cref="AuthAlgorithm"/>.</summary>
    public const ushort AuthenticationAlgorithm = Ipsec.AuthenticationAlgorithm;
    /// <summary>Phase 2 (6). B. Not the phase-1 <see cref="KeyLength"/> (14).</summary>
    public const ushort IpsecKeyLength = Ipsec.KeyLength;

    /// <summary>IPsec DOI SA attributes (phase 2), RFC 2407 §4.5.</summary>
    public static class Ipsec
    {
        /// <summary>B.</summary>
        public const ushort SaLifeType = 1;
        /// <summary>V.</summary>
        public const ushort SaLifeDuration = 2;
        /// <summary>B.</summary>
        public const ushort GroupDescription = 3;
        /// <summary>B.</summary>
        public const ushort EncapsulationMode = 4;
        /// <summary>B.</summary>
        public const ushort AuthenticationAlgorithm = 5;
        /// <summary>B.</summary>
        public const ushort KeyLength = 6;
        /// <summary>B.</summary>
        public const ushort KeyRounds = 7;
        /// <summary>B.</summary>
        public const ushort CompressDictionarySize = 8;
        /// <summary>V.</summary>
        public const ushort CompressPrivateAlgorithm = 9;
    }
}
