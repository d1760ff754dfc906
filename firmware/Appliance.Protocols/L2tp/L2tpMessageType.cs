namespace Appliance.Protocols.L2tp;

/// <summary>Control message types (RFC 2661 §3.2), the value of the Message Type AVP.</summary>
public enum L2tpMessageType : ushort
{
    StartControlConnectionRequest = 1,   // SCCRQ
    StartControlConnectionReply = 2,     // SCCRP
    StartControlConnectionConnected = 3, // SCCCN
    StopControlConnection = 4,           // StopCCN
    Hello = 6,
    OutgoingCallRequest = 7,             // OCRQ
    OutgoingCallReply = 8,               // OCRP
    OutgoingCallConnected = 9,           // OCCN
    IncomingCallRequest = 10,            // ICRQ
    IncomingCallReply = 11,              // ICRP
    IncomingCallConnected = 12,          // ICCN
    CallDisconnectNotify = 14,           // CDN
    WanErrorNotify = 15,                 // WEN
    SetLinkInfo = 16,                    // SLI
}

/// <summary>Short names for logs and reasons (no enum reflection in a NativeAOT binary).</summary>
public static class L2tpMessageTypes
{
    public static bool IsKnown(ushort type) => type is >= 1 and <= 16 and not 5 and not 13;

    public static string Name(ushort type) => type switch
    {
        1 => "SCCRQ",
        2 => "SCCRP",
        3 => "SCCCN",
        4 => "StopCCN",
        6 => "HELLO",
        7 => "OCRQ",
        8 => "OCRP",
        9 => "OCCN",
        10 => "ICRQ",
        11 => "ICRP",
        12 => "ICCN",
        14 => "CDN",
        15 => "WEN",
        16 => "SLI",
        _ => "type " + type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
