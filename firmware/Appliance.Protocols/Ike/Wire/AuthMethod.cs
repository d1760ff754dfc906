namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Phase-1 Authentication Method values (<see cref="AttributeType.AuthenticationMethod"/>):
/// RFC 2409 Appendix A, and the XAUTH range of draft-beaulieu-ike-xauth-02 §7.2.
/// </summary>
public static class AuthMethod
{
    public const ushort PreSharedKey = 1;
    public const ushort DssSignatures = 2;
    public const ushort RsaSignatures = 3;
    public const ushort RsaEncryption = 4;
    public const ushort RsaRevisedEncryption = 5;

    public const ushort XauthInitPreShared = 65001;
    public const ushort XauthRespPreShared = 65002;
    public const ushort XauthInitDss = 65003;
    public const ushort XauthRespDss = 65004;
    public const ushort XauthInitRsa = 65005;
    public const ushort XauthRespRsa = 65006;
    public const ushort XauthInitRsaEncryption = 65007;
    public const ushort XauthRespRsaEncryption = 65008;
    public const ushort XauthInitRsaRevisedEncryption = 65009;
    public const ushort XauthRespRsaRevisedEncryption = 65010;
}
