using System.Net;
using System.Net.Sockets;

namespace Appliance.Protocols.Ppp;

// LCP opened and closed, the Authenticate phase, the address and IPCP.
public sealed partial class PppSession
{
    private Authenticator? _authenticator;
    private bool _authenticated;
    private DateTimeOffset? _authDeadline;
    private byte _nextChapIdentifier = 1;
    private IPAddress? _address;
    private bool _networkUp;

    private void LcpOpened()
    {
        _output.PeerMru = _lcpOptions.PeerMru;
        StartEchoes();

        _authenticator = _lcpOptions.AgreedAuthentication switch
        {
            PppAuthenticationMethod.MsChapV2 or PppAuthenticationMethod.ChapMd5 =>
                new ChapAuthenticator(_lcpOptions.AgreedAuthentication, _options, _authority, _random, _nextChapIdentifier++),
            PppAuthenticationMethod.Pap => new PapAuthenticator(_authority),
            _ => null,
        };
        _output.Log("info", "LCP opened",
            ("mru", NegotiatedMru), ("authentication", _authenticator?.MethodName), ("identification", PeerIdentification));
        if (_authenticator is null)
        {
            CloseLink("no authentication protocol agreed");
            return;
        }
        _authDeadline = _now + _options.AuthenticationTimeout;
        _authenticator.Start(_now, _output);
    }

    /// <summary>LCP left Opened (closing, or the peer renegotiates): everything above it starts over.</summary>
    private void LcpDown(string reason)
    {
        _nextEcho = null;
        NetworkDown(_downReason ?? "LCP " + reason);
        _ipcp.Down();
        ReleaseAddress();
        _authenticator = null;
        _authenticated = false;
        _authDeadline = null;
        _output.PeerMru = LcpNegotiator.DefaultMru;
    }

    private void ReceiveAuthentication(ushort protocol, ReadOnlySpan<byte> information)
    {
        if (_lcp.State != PppAutomatonState.Opened || _authenticator is null || _authenticator.Protocol != protocol)
        {
            Counters.Drop("authentication packet of a protocol not in use");
            return;
        }
        if (!ControlPacket.TryParse(information, out var packet))
        {
            Counters.Drop("authentication packet malformed");
            return;
        }
        if (_authenticator.Receive(packet, _now, _output) is { } verdict) OnAuthenticationVerdict(verdict);
    }

    private void TickAuthentication()
    {
        if (_dead || _authenticated || _authenticator is not { } authenticator) return;
        if (_authDeadline is { } deadline && _now >= deadline)
        {
            OnAuthenticationVerdict(new AuthenticationVerdict(false, UserName ?? string.Empty, "authentication timed out"));
            return;
        }
        authenticator.Tick(_now, _output);
    }

    private void OnAuthenticationVerdict(AuthenticationVerdict verdict)
    {
        _authDeadline = null;
        UserName = verdict.UserName.Length > 0 ? verdict.UserName : UserName;
        string method = _authenticator?.MethodName ?? "none";
        if (!verdict.Succeeded)
        {
            _output.Log("warn", "authentication failed", ("user", verdict.UserName), ("method", method), ("reason", verdict.Reason));
            _output.Add(new PppAuthenticationFailed(verdict.UserName, verdict.Reason));
            CloseLink("authentication failed");
            return;
        }

        _authenticated = true;
        _output.Log("info", "authenticated", ("user", verdict.UserName), ("method", method));
        _output.Add(new PppAuthenticated(verdict.UserName, method));

        var address = _authority.AllocateAddress(verdict.UserName);
        if (address is null || address.AddressFamily != AddressFamily.InterNetwork)
        {
            _output.Log("warn", "no address for the peer: pool exhausted", ("user", verdict.UserName));
            CloseLink("no address available for the peer");
            if (address is not null) _authority.ReleaseAddress(address);
            return;
        }
        _address = address;
        _ipcpOptions.AssignedPeerAddress = address;
        _ipcp.Open(_now);
        _ipcp.Up(_now);
    }

    private void ReceiveIpcp(ReadOnlySpan<byte> information)
    {
        if (_lcp.State != PppAutomatonState.Opened || !_authenticated || _address is null)
        {
            Counters.Drop("IPCP before the network phase");
            return;
        }
        if (!ControlPacket.TryParse(information, out var packet))
        {
            Counters.Drop("IPCP packet malformed");
            return;
        }
        if (packet.Code is >= ControlCode.ConfigureRequest and <= ControlCode.CodeReject) _ipcp.Receive(packet, _now);
        else _ipcp.RejectUnknownCode(packet);
    }

    private void ReceiveIp(ReadOnlySpan<byte> packet)
    {
        if (_ipcp.State != PppAutomatonState.Opened || packet.IsEmpty)
        {
            Counters.Drop("IP packet while IPCP is not opened");
            return;
        }
        Counters.IpPacketsReceived++;
        Counters.IpBytesReceived += packet.Length;
        _output.Add(new PppIpPacket(packet.ToArray()));
    }

    private void NetworkUp()
    {
        if (_address is null) return;
        _networkUp = true;
        _output.Log("info", "network up", ("user", UserName), ("local", _options.LocalAddress), ("peer", _address), ("mru", NegotiatedMru));
        _output.Add(new PppNetworkUp(_options.LocalAddress, _address, NegotiatedMru));
    }

    private void NetworkDown(string reason)
    {
        if (!_networkUp || _address is null) return;
        _networkUp = false;
        _output.Add(new PppNetworkDown(_address, reason));
    }

    private void ReleaseAddress()
    {
        if (_address is not { } address) return;
        _address = null;
        _ipcpOptions.AssignedPeerAddress = null;
        _authority.ReleaseAddress(address);
        _output.Add(new PppAddressReleased(address));
    }
}
