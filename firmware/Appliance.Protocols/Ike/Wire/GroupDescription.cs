namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Group Description values (phase 1 <see cref="AttributeType.GroupDescription"/>, phase 2
/// <see cref="AttributeType.IpsecGroupDescription"/>): RFC 2409 §6, RFC 3526, RFC 5903 / IANA.
/// The same numbers as <c>Appliance.Protocols.Crypto.DiffieHellmanGroups</c>.
/// </summary>
public static class GroupDescription
{
    public const ushort Modp768 = 1;
    public const ushort Modp1024 = 2;
    public const ushort Modp1536 = 5;
    public const ushort Modp2048 = 14;
    public const ushort Modp3072 = 15;
    public const ushort Modp4096 = 16;
    public const ushort Modp6144 = 17;
    public const ushort Modp8192 = 18;
    public const ushort Ecp256 = 19;
    public const ushort Ecp384 = 20;
    public const ushort Ecp521 = 21;
}
