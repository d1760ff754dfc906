namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Mode-config message and attribute types (draft-dukes-ike-mode-cfg-02 §3.2 and §3.3) and the
/// XAUTH attributes carried the same way (draft-beaulieu-ike-xauth-02 §6).
/// </summary>
public static class ModeConfig
{
    public const byte Request = 1;
    public const byte Reply = 2;
    public const byte Set = 3;
    public const byte Ack = 4;

    public const ushort InternalIp4Address = 1;
    public const ushort InternalIp4Netmask = 2;
    public const ushort InternalIp4Dns = 3;
    public const ushort InternalIp4Nbns = 4;
    public const ushort InternalAddressExpiry = 5;
    public const ushort InternalIp4Dhcp = 6;
    public const ushort ApplicationVersion = 7;
    public const ushort SupportedAttributes = 14;

    public const ushort XauthType = 16520;
    public const ushort XauthUserName = 16521;
    public const ushort XauthUserPassword = 16522;
    public const ushort XauthPasscode = 16523;
    public const ushort XauthMessage = 16524;
    public const ushort XauthChallenge = 16525;
    public const ushort XauthDomain = 16526;
    public const ushort XauthStatus = 16527;
}
