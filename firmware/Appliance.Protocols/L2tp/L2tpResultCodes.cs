namespace Appliance.Protocols.L2tp;

/// <summary>Result Code AVP values in a StopCCN (RFC 2661 §4.4.2).</summary>
public enum L2tpStopCcnResult : ushort
{
    GeneralRequest = 1,
    GeneralError = 2,
    ChannelExists = 3,
    NotAuthorized = 4,
    UnsupportedVersion = 5,
    ShuttingDown = 6,
    StateMachineError = 7,
}

/// <summary>Result Code AVP values in a CDN (RFC 2661 §4.4.2).</summary>
public enum L2tpCdnResult : ushort
{
    LostCarrier = 1,
    GeneralError = 2,
    Administrative = 3,
    TemporaryLackOfFacilities = 4,
    PermanentLackOfFacilities = 5,
    InvalidDestination = 6,
    NoCarrier = 7,
    Busy = 8,
    NoDialTone = 9,
    Timeout = 10,
    NoFraming = 11,
}

/// <summary>General error codes carried after result code 2 (RFC 2661 §4.4.2).</summary>
public enum L2tpErrorCode : ushort
{
    NoError = 0,
    NoControlConnection = 1,
    LengthWrong = 2,
    ValueOutOfRange = 3,
    InsufficientResources = 4,
    InvalidSessionId = 5,
    VendorSpecific = 6,
    TryAnother = 7,
    UnknownMandatoryAvp = 8,
}
