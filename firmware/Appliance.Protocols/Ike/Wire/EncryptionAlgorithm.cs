namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Phase-1 Encryption Algorithm values (<see cref="AttributeType.EncryptionAlgorithm"/>):
/// RFC 2409 Appendix A; AES-CBC is 7 (RFC 3602 §5 / IANA).
/// </summary>
public static class EncryptionAlgorithm
{
    public const ushort DesCbc = 1;
    public const ushort IdeaCbc = 2;
    public const ushort BlowfishCbc = 3;
    public const ushort Rc5R16B64Cbc = 4;
    /// <summary>3DES-CBC.</summary>
    public const ushort TripleDesCbc = 5;
    public const ushort CastCbc = 6;
    /// <summary>AES-CBC; the Key Length attribute gives 128/192/256.</summary>
    public const ushort AesCbc = 7;
}
