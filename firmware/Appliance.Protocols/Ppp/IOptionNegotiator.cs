namespace Appliance.Protocols.Ppp;

/// <summary>
/// The protocol-specific half of a control protocol (LCP, IPCP): which options we ask for, how we
/// judge the peer's, and what a Nak or Reject of ours changes. <see cref="OptionAutomaton"/> is
/// the other, shared half (RFC 1661 §4).
/// </summary>
internal interface IOptionNegotiator
{
    /// <summary>Back to the options we start a fresh negotiation with.</summary>
    void Reset();

    /// <summary>The option list of our next Configure-Request.</summary>
    byte[] BuildRequest();

    /// <summary>
    /// Our answer to a peer's Configure-Request (the list is well-formed). With
    /// <paramref name="rejectInsteadOfNak"/> (Max-Failure reached) options we would Nak are rejected.
    /// </summary>
    ConfigureReply Review(ReadOnlySpan<byte> options, bool rejectInsteadOfNak);

    /// <summary>We are sending a Configure-Ack for these options: they now hold for the peer.</summary>
    void PeerAcknowledged(ReadOnlySpan<byte> options);

    /// <summary>The peer acknowledged our last request.</summary>
    void RequestAcknowledged();

    void ApplyNak(ReadOnlySpan<byte> options);

    /// <summary>Every rejected option was checked to be in our last request.</summary>
    void ApplyReject(ReadOnlySpan<byte> options);

    /// <summary>Set when negotiation cannot succeed (loop, no common authentication protocol).</summary>
    string? FatalReason { get; }

    /// <summary>Whether a Code-Reject of this code leaves the protocol usable (RXJ+ rather than RXJ-).</summary>
    bool IsPermittedCodeReject(byte code);
}

/// <summary>Configure-Ack, -Nak or -Reject and its option list.</summary>
internal readonly record struct ConfigureReply(byte Code, byte[] Options)
{
    public bool IsAck => Code == ControlCode.ConfigureAck;
}

/// <summary>
/// Collects the per-option verdicts of a Configure-Request into the one reply RFC 1661 §5.2-5.4
/// allows: any Reject wins, else any Nak, else an Ack echoing the request.
/// </summary>
internal sealed class ConfigureReplyBuilder
{
    private readonly List<byte> _rejects = [];
    private readonly List<byte> _naks = [];
    private readonly List<byte> _nakOriginals = [];

    public void Reject(ReadOnlySpan<byte> option) => _rejects.AddRange(option);

    /// <summary>Nak <paramref name="original"/> (empty for a hint the peer did not ask) proposing <paramref name="suggestion"/>.</summary>
    public void Nak(ReadOnlySpan<byte> original, ReadOnlySpan<byte> suggestion)
    {
        _naks.AddRange(suggestion);
        _nakOriginals.AddRange(original);
    }

    public bool HasRejects => _rejects.Count > 0;

    public ConfigureReply Finish(ReadOnlySpan<byte> request, bool rejectInsteadOfNak)
    {
        if (_rejects.Count > 0) return new ConfigureReply(ControlCode.ConfigureReject, [.. _rejects]);
        if (_naks.Count > 0)
        {
            if (!rejectInsteadOfNak) return new ConfigureReply(ControlCode.ConfigureNak, [.. _naks]);
            // Max-Failure (RFC 1661 §4.6): what would be Nak'd again is rejected instead.
            if (_nakOriginals.Count > 0) return new ConfigureReply(ControlCode.ConfigureReject, [.. _nakOriginals]);
        }
        return new ConfigureReply(ControlCode.ConfigureAck, request.ToArray());
    }
}
