namespace Appliance.Protocols.Ppp;

/// <summary>The link phases of RFC 1661 §3.2.</summary>
public enum PppPhase
{
    Dead,
    Establish,
    Authenticate,
    Network,
    Terminate,
}

/// <summary>The authentication protocol the peer was asked for (and, once done, used).</summary>
public enum PppAuthenticationMethod
{
    None,
    MsChapV2,
    ChapMd5,
    Pap,
}

/// <summary>The states of the RFC 1661 §4.2 option negotiation automaton.</summary>
public enum PppAutomatonState
{
    Initial,
    Starting,
    Closed,
    Stopped,
    Closing,
    Stopping,
    RequestSent,
    AckReceived,
    AckSent,
    Opened,
}
