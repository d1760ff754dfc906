namespace Appliance.Protocols.L2tp;

/// <summary>IETF AVP attribute types (vendor id 0) of RFC 2661 §4.4.</summary>
public enum L2tpAvpType : ushort
{
    MessageType = 0,
    ResultCode = 1,
    ProtocolVersion = 2,
    FramingCapabilities = 3,
    BearerCapabilities = 4,
    TieBreaker = 5,
    FirmwareRevision = 6,
    HostName = 7,
    VendorName = 8,
    AssignedTunnelId = 9,
    ReceiveWindowSize = 10,
    Challenge = 11,
    Q931CauseCode = 12,
    ChallengeResponse = 13,
    AssignedSessionId = 14,
    CallSerialNumber = 15,
    MinimumBps = 16,
    MaximumBps = 17,
    BearerType = 18,
    FramingType = 19,
    CalledNumber = 21,
    CallingNumber = 22,
    SubAddress = 23,
    TxConnectSpeed = 24,
    PhysicalChannelId = 25,
    InitialReceivedLcpConfReq = 26,
    LastSentLcpConfReq = 27,
    LastReceivedLcpConfReq = 28,
    ProxyAuthenType = 29,
    ProxyAuthenName = 30,
    ProxyAuthenChallenge = 31,
    ProxyAuthenId = 32,
    ProxyAuthenResponse = 33,
    CallErrors = 34,
    Accm = 35,
    RandomVector = 36,
    PrivateGroupId = 37,
    RxConnectSpeed = 38,
    SequencingRequired = 39,
}

/// <summary>What RFC 2661 says about each IETF attribute's value length.</summary>
internal static class L2tpAvpTypes
{
    /// <summary>Types 0..39 except 20 (reserved) are defined by RFC 2661.</summary>
    public static bool IsKnown(ushort vendorId, ushort type) => vendorId == 0 && type <= 39 && type != 20;

    /// <summary>
    /// Whether <paramref name="length"/> is a legal value length for an attribute this server reads:
    /// fixed-size values must match exactly, strings have a minimum. Checked once at parse time so
    /// that the typed getters need no further bounds checks. Attributes we never read are not
    /// judged: a peer's odd Q.931 cause must not cost it the tunnel.
    /// </summary>
    public static bool IsValidLength(L2tpAvpType type, int length) => type switch
    {
        L2tpAvpType.MessageType or L2tpAvpType.ProtocolVersion or L2tpAvpType.FirmwareRevision
            or L2tpAvpType.AssignedTunnelId or L2tpAvpType.ReceiveWindowSize
            or L2tpAvpType.AssignedSessionId => length == 2,
        L2tpAvpType.FramingCapabilities or L2tpAvpType.BearerCapabilities
            or L2tpAvpType.CallSerialNumber => length == 4,
        L2tpAvpType.ChallengeResponse => length == 16,
        L2tpAvpType.ResultCode => length >= 2,
        L2tpAvpType.HostName or L2tpAvpType.Challenge or L2tpAvpType.RandomVector => length >= 1,
        _ => true,
    };
}
