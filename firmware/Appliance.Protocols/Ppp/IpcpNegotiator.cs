using System.Net;

namespace Appliance.Protocols.Ppp;

/// <summary>
/// IPCP's options (RFC 1332, RFC 1877) for the server side: we ask for our own address as
/// IP-Address; the peer gets the address the host assigned, and DNS/NBNS servers as configured.
/// A request for 0.0.0.0 or any other value is Nak'd with ours; a server we have none of is
/// rejected, after which Windows asks again without it. VJ compression and the obsolete
/// IP-Addresses option are rejected.
/// </summary>
internal sealed class IpcpNegotiator(PppSessionOptions options) : IOptionNegotiator
{
    public const byte OptionIpAddresses = 1;
    public const byte OptionIpCompression = 2;
    public const byte OptionIpAddress = 3;
    public const byte OptionPrimaryDns = 129;
    public const byte OptionPrimaryNbns = 130;
    public const byte OptionSecondaryDns = 131;
    public const byte OptionSecondaryNbns = 132;

    private bool _askAddress;
    private bool _hinted;

    /// <summary>The address the host gave this peer; set before IPCP opens.</summary>
    public IPAddress? AssignedPeerAddress { get; set; }

    /// <summary>The IP-Address we acknowledged for the peer.</summary>
    public IPAddress? PeerAddress { get; private set; }

    public string? FatalReason => AssignedPeerAddress is null ? "no address assigned to the peer" : null;

    public void Reset()
    {
        _askAddress = true;
        _hinted = false;
        PeerAddress = null;
    }

    public byte[] BuildRequest()
    {
        if (!_askAddress) return [];
        return AddressOption(OptionIpAddress, options.LocalAddress);
    }

    public ConfigureReply Review(ReadOnlySpan<byte> requested, bool rejectInsteadOfNak)
    {
        var reply = new ConfigureReplyBuilder();
        bool sawAddress = false;
        foreach (var option in new ConfigOptionReader(requested))
        {
            IPAddress? ours = option.Whole.Length != 6 ? null : option.Type switch
            {
                OptionIpAddress => AssignedPeerAddress,
                OptionPrimaryDns => options.Dns1,
                OptionSecondaryDns => options.Dns2,
                OptionPrimaryNbns => options.Wins1,
                OptionSecondaryNbns => options.Wins2,
                _ => null,
            };
            if (ours is null)
            {
                reply.Reject(option.Whole);
                continue;
            }
            sawAddress |= option.Type == OptionIpAddress;
            if (!option.Data.SequenceEqual(ours.GetAddressBytes()))
                reply.Nak(option.Whole, AddressOption(option.Type, ours));
        }

        // A peer that does not ask for an address is told it once, as a hint (RFC 1332 §3.3);
        // a Reject would carry only the rejected options, so the hint waits for a Nak or Ack.
        if (!sawAddress && !_hinted && AssignedPeerAddress is not null && !reply.HasRejects)
        {
            _hinted = true;
            reply.Nak([], AddressOption(OptionIpAddress, AssignedPeerAddress));
        }
        return reply.Finish(requested, rejectInsteadOfNak);
    }

    public void PeerAcknowledged(ReadOnlySpan<byte> acknowledged)
    {
        PeerAddress = AssignedPeerAddress;
        foreach (var option in new ConfigOptionReader(acknowledged))
            if (option.Type == OptionIpAddress && option.Whole.Length == 6) PeerAddress = new IPAddress(option.Data);
    }

    public void RequestAcknowledged()
    {
    }

    /// <summary>A Nak of our own address is not followed: the host configured it, the peer cannot know better.</summary>
    public void ApplyNak(ReadOnlySpan<byte> naked)
    {
    }

    public void ApplyReject(ReadOnlySpan<byte> rejected)
    {
        foreach (var option in new ConfigOptionReader(rejected))
            if (option.Type == OptionIpAddress) _askAddress = false;
    }

    /// <summary>IPCP has only the automaton's codes, so any Code-Reject is catastrophic.</summary>
    public bool IsPermittedCodeReject(byte code) => code > ControlCode.CodeReject;

    private static byte[] AddressOption(byte type, IPAddress address)
    {
        var option = new byte[6];
        option[0] = type;
        option[1] = 6;
        address.GetAddressBytes().CopyTo(option, 2);
        return option;
    }
}
