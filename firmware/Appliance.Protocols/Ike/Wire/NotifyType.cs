namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Notify message types: errors 1-30 (RFC 2408 §3.14.1), the IPsec DOI status types
/// (RFC 2407 §4.6.3) and DPD (RFC 3706 §5.3).
/// </summary>
public static class NotifyType
{
    public const ushort InvalidPayloadType = 1;
    public const ushort DoiNotSupported = 2;
    public const ushort SituationNotSupported = 3;
    public const ushort InvalidCookie = 4;
    public const ushort InvalidMajorVersion = 5;
    public const ushort InvalidMinorVersion = 6;
    public const ushort InvalidExchangeType = 7;
    public const ushort InvalidFlags = 8;
    public const ushort InvalidMessageId = 9;
    public const ushort InvalidProtocolId = 10;
    public const ushort InvalidSpi = 11;
    public const ushort InvalidTransformId = 12;
    public const ushort AttributesNotSupported = 13;
    public const ushort NoProposalChosen = 14;
    public const ushort BadProposalSyntax = 15;
    public const ushort PayloadMalformed = 16;
    public const ushort InvalidKeyInformation = 17;
    public const ushort InvalidIdInformation = 18;
    public const ushort InvalidCertEncoding = 19;
    public const ushort InvalidCertificate = 20;
    public const ushort CertTypeUnsupported = 21;
    public const ushort InvalidCertAuthority = 22;
    public const ushort InvalidHashInformation = 23;
    public const ushort AuthenticationFailed = 24;
    public const ushort InvalidSignature = 25;
    public const ushort AddressNotification = 26;
    public const ushort NotifySaLifetime = 27;
    public const ushort CertificateUnavailable = 28;
    public const ushort UnsupportedExchangeType = 29;
    public const ushort UnequalPayloadLengths = 30;

    /// <summary>RFC 2408 §3.14.1 status.</summary>
    public const ushort Connected = 16384;

    /// <summary>RFC 2407 §4.6.3.1: the responder's lifetime when shorter than offered.</summary>
    public const ushort ResponderLifetime = 24576;
    /// <summary>RFC 2407 §4.6.3.2.</summary>
    public const ushort ReplayStatus = 24577;
    /// <summary>RFC 2407 §4.6.3.3: the sender has no other SAs with us (drop the old ones).</summary>
    public const ushort InitialContact = 24578;

    /// <summary>RFC 3706 §5.3: DPD request; data is a 4-byte sequence number.</summary>
    public const ushort RUThere = 36136;
    /// <summary>RFC 3706 §5.3: DPD reply, echoing the sequence number.</summary>
    public const ushort RUThereAck = 36137;
}
