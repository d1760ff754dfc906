namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Phase-1 Hash Algorithm values (<see cref="AttributeType.HashAlgorithm"/>): RFC 2409 Appendix A;
/// SHA-2 from RFC 4868 §2.2 / IANA. (The name matches the IANA registry; beware the clash with
/// System.Security.Cryptography.HashAlgorithm in files that import both.)
/// </summary>
public static class HashAlgorithm
{
    public const ushort Md5 = 1;
    public const ushort Sha1 = 2;
    public const ushort Tiger = 3;
    public const ushort Sha2_256 = 4;
    public const ushort Sha2_384 = 5;
    public const ushort Sha2_512 = 6;
}
