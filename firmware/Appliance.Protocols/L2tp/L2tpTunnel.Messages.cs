using System.Globalization;
using System.Security.Cryptography;
using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.L2tp;

/// <summary>What each control message means to an LNS (RFC 2661 §6 and the state tables of §7).</summary>
internal sealed partial class L2tpTunnel
{
    private const ushort ProtocolVersion = 0x0100; // version 1, revision 0 (§4.4.3)
    private const ushort DefaultPeerWindow = 4;    // §5.8: when the peer sends no Receive Window Size
    private const int ChallengeSize = 16;

    /// <summary>Our challenge in the SCCRP, kept until the SCCCN answers it.</summary>
    private byte[]? _challenge;

    private void OnStartRequest(L2tpControlMessage m, bool overLimit, List<L2tpAction> actions)
    {
        ushort? window = m.UInt16(L2tpAvpType.ReceiveWindowSize);
        Info = new L2tpTunnelInfo(
            m.Text(L2tpAvpType.HostName) ?? string.Empty,
            m.Text(L2tpAvpType.VendorName),
            m.UInt16(L2tpAvpType.FirmwareRevision),
            window ?? DefaultPeerWindow,
            m.UInt32(L2tpAvpType.FramingCapabilities) ?? 0,
            m.UInt32(L2tpAvpType.BearerCapabilities));
        // A window of 0 is refused below; the StopCCN itself still needs a window of 1.
        _channel.PeerWindow = Math.Max(Info.ReceiveWindowSize, (ushort)1);

        if (RefusedForProblem(m, actions)) return;
        ushort? version = m.UInt16(L2tpAvpType.ProtocolVersion);
        if (version is null || !m.Has(L2tpAvpType.HostName) || !m.Has(L2tpAvpType.FramingCapabilities))
        {
            Fail(L2tpStopCcnResult.GeneralError, L2tpErrorCode.ValueOutOfRange,
                "SCCRQ lacks Protocol Version, Host Name or Framing Capabilities", actions);
            return;
        }
        if (version != ProtocolVersion)
        {
            // §4.4.2: for result 5 the error code carries the highest version we support.
            Fail(L2tpStopCcnResult.UnsupportedVersion, (L2tpErrorCode)ProtocolVersion,
                "protocol version " + version.Value.ToString("x4", CultureInfo.InvariantCulture) + " not supported", actions);
            return;
        }
        if (window == 0)
        {
            Fail(L2tpStopCcnResult.GeneralError, L2tpErrorCode.ValueOutOfRange, "Receive Window Size 0", actions);
            return;
        }
        var peerChallenge = m.Bytes(L2tpAvpType.Challenge);
        byte[]? secret = _server.Secret;
        if (peerChallenge is not null && secret is null)
        {
            Fail(L2tpStopCcnResult.NotAuthorized, null, "tunnel authentication asked but no tunnel secret configured", actions);
            return;
        }
        if (overLimit)
        {
            Fail(L2tpStopCcnResult.GeneralError, L2tpErrorCode.InsufficientResources, "tunnel limit reached", actions);
            return;
        }

        var sccrp = new L2tpMessageWriter(L2tpMessageType.StartControlConnectionReply)
            .AddUInt16(L2tpAvpType.ProtocolVersion, ProtocolVersion, mandatory: true)
            .AddUInt32(L2tpAvpType.FramingCapabilities, _options.FramingCapabilities, mandatory: true)
            .AddUInt32(L2tpAvpType.BearerCapabilities, _options.BearerCapabilities, mandatory: true)
            .AddUInt16(L2tpAvpType.FirmwareRevision, _options.FirmwareRevision, mandatory: false)
            .AddString(L2tpAvpType.HostName, _options.HostName, mandatory: true);
        if (_options.VendorName.Length > 0) sccrp.AddString(L2tpAvpType.VendorName, _options.VendorName, mandatory: false);
        sccrp.AddUInt16(L2tpAvpType.AssignedTunnelId, Id, mandatory: true)
            .AddUInt16(L2tpAvpType.ReceiveWindowSize, _options.ReceiveWindowSize, mandatory: true);
        if (secret is not null)
        {
            _challenge = new byte[ChallengeSize];
            _server.Random.Fill(_challenge);
            sccrp.Add(L2tpAvpType.Challenge, _challenge, mandatory: true);
        }
        if (peerChallenge is { } challenge && secret is not null)
        {
            // §5.1.1: CHAP (RFC 1994) with the message type of the reply as the identifier: 2 = SCCRP.
            Span<byte> response = stackalloc byte[ChapMd5.ResponseSize];
            ChapMd5.ComputeResponse((byte)L2tpMessageType.StartControlConnectionReply, secret, challenge.Span, response);
            sccrp.Add(L2tpAvpType.ChallengeResponse, response, mandatory: true);
            CryptographicOperations.ZeroMemory(response);
        }
        _channel.Enqueue(sccrp.ToMessage(PeerId, 0));
        actions.Add(new L2tpLog("debug", "L2TP SCCRQ accepted", [("peer", Peer.Remote), ("tunnel", Id), ("peer_tunnel", PeerId),
            ("host", Info.HostName), ("vendor", Info.VendorName), ("window", Info.ReceiveWindowSize)]));
    }

    /// <summary>One in-order control message (not the first SCCRQ).</summary>
    private void Process(byte[] datagram, DateTimeOffset now, List<L2tpAction> actions)
    {
        if (!L2tpControlMessage.TryParse(datagram, _server.Secret, out _, out var m) || m is null) return;
        if (State is L2tpTunnelState.Closing or L2tpTunnelState.Lingering)
        {
            // Acknowledged (the caller owes the ack), not acted on: the tunnel is going.
            if (m.MessageType == (ushort)L2tpMessageType.StopControlConnection) OnStopInClosing(now);
            return;
        }
        if (m.Problem == L2tpMessageProblem.Malformed)
        {
            Fail(L2tpStopCcnResult.GeneralError, L2tpErrorCode.LengthWrong, m.ProblemDetail ?? "malformed", actions);
            return;
        }
        if (!L2tpMessageTypes.IsKnown(m.MessageType))
        {
            // §4.1 for the Message Type AVP: unknown and mandatory clears the tunnel, else ignored.
            if (m.MessageTypeMandatory)
                Fail(L2tpStopCcnResult.GeneralError, L2tpErrorCode.UnknownMandatoryAvp, "unknown message type " + m.MessageType.ToString(CultureInfo.InvariantCulture), actions);
            else _server.Count("control: unknown message type ignored");
            return;
        }

        switch ((L2tpMessageType)m.MessageType)
        {
            case L2tpMessageType.StartControlConnectionConnected: OnConnected(m, actions); break;
            case L2tpMessageType.StopControlConnection: OnStop(m, now, actions); break;
            case L2tpMessageType.Hello: RefusedForProblem(m, actions); break;
            case L2tpMessageType.IncomingCallRequest: OnIncomingCallRequest(m, now, actions); break;
            case L2tpMessageType.IncomingCallConnected: OnIncomingCallConnected(m, actions); break;
            case L2tpMessageType.CallDisconnectNotify: OnCallDisconnect(m, actions); break;
            case L2tpMessageType.WanErrorNotify or L2tpMessageType.SetLinkInfo: OnLinkInfo(m, actions); break;
            case L2tpMessageType.OutgoingCallRequest: OnOutgoingCallRequest(m, actions); break;
            default:
                // SCCRQ on a running tunnel, and the replies only an LAC or LNS-as-caller receives.
                Fail(L2tpStopCcnResult.StateMachineError, null, L2tpMessageTypes.Name(m.MessageType) + " not expected by an LNS here", actions);
                break;
        }
    }

    /// <summary>Tunnel-scoped problems clear the tunnel (§4.1). True when the tunnel was failed.</summary>
    private bool RefusedForProblem(L2tpControlMessage m, List<L2tpAction> actions)
    {
        switch (m.Problem)
        {
            case L2tpMessageProblem.Malformed:
                Fail(L2tpStopCcnResult.GeneralError, L2tpErrorCode.LengthWrong, m.ProblemDetail ?? "malformed", actions);
                return true;
            case L2tpMessageProblem.UnknownMandatoryAvp:
                Fail(L2tpStopCcnResult.GeneralError, L2tpErrorCode.UnknownMandatoryAvp, m.ProblemDetail ?? "unknown mandatory AVP", actions);
                return true;
            case L2tpMessageProblem.HiddenNotRevealed:
                Fail(L2tpStopCcnResult.GeneralError, L2tpErrorCode.ValueOutOfRange, m.ProblemDetail ?? "hidden AVP not revealed", actions);
                return true;
            default:
                return false;
        }
    }

    private void OnConnected(L2tpControlMessage m, List<L2tpAction> actions)
    {
        if (State != L2tpTunnelState.WaitConnected)
        {
            Fail(L2tpStopCcnResult.StateMachineError, null, "SCCCN on an established tunnel", actions);
            return;
        }
        if (RefusedForProblem(m, actions)) return;
        if (_challenge is not null)
        {
            // §5.1.1: the SCCCN answers our challenge with identifier 3 (its message type).
            var response = m.Bytes(L2tpAvpType.ChallengeResponse);
            bool ok = response is { } r && _server.Secret is { } secret
                && ChapMd5.VerifyResponse((byte)L2tpMessageType.StartControlConnectionConnected, secret, _challenge, r.Span);
            CryptographicOperations.ZeroMemory(_challenge);
            _challenge = null;
            if (!ok)
            {
                Fail(L2tpStopCcnResult.NotAuthorized, null, response is null ? "no challenge response" : "wrong challenge response", actions);
                return;
            }
        }
        State = L2tpTunnelState.Established;
        Announced = true;
        actions.Add(new L2tpTunnelUp(Id, PeerId, Peer, Info));
        actions.Add(new L2tpLog("info", "L2TP tunnel up", [("peer", Peer.Remote), ("tunnel", Id), ("peer_tunnel", PeerId),
            ("host", Info.HostName), ("vendor", Info.VendorName), ("window", Info.ReceiveWindowSize)]));
    }

    private void OnStop(L2tpControlMessage m, DateTimeOffset now, List<L2tpAction> actions)
    {
        var rc = m.ResultCode();
        string reason = "peer sent StopCCN (result " + Number(rc?.Result) + ", error " + Number(rc?.Error) + ")";
        actions.Add(new L2tpLog("info", "L2TP peer closed the tunnel", [("peer", Peer.Remote), ("tunnel", Id),
            ("result", rc?.Result), ("error", rc?.Error), ("message", rc?.Message)]));
        ReportDown(reason, actions);
        OnStopInClosing(now);
    }

    /// <summary>After the peer's StopCCN: our own messages are moot; stay a full retransmission cycle.</summary>
    private void OnStopInClosing(DateTimeOffset now)
    {
        _channel.Clear();
        State = L2tpTunnelState.Lingering;
        _lingerUntil = now + _options.RetransmitCycle();
    }

    private void OnIncomingCallRequest(L2tpControlMessage m, DateTimeOffset now, List<L2tpAction> actions)
    {
        if (State != L2tpTunnelState.Established)
        {
            Fail(L2tpStopCcnResult.StateMachineError, null, "ICRQ before SCCCN", actions);
            return;
        }
        ushort? peerSessionId = m.UInt16(L2tpAvpType.AssignedSessionId);
        if (peerSessionId is null or 0)
        {
            // Without the peer's session id there is no one to address a CDN to.
            _server.Count("control: ICRQ without Assigned Session ID");
            return;
        }
        ushort peerSid = peerSessionId.Value;
        (ushort Result, L2tpErrorCode Error, string Text)? refusal = m.Problem switch
        {
            L2tpMessageProblem.UnknownMandatoryAvp => ((ushort)L2tpCdnResult.GeneralError, L2tpErrorCode.UnknownMandatoryAvp, m.ProblemDetail ?? ""),
            L2tpMessageProblem.HiddenNotRevealed => ((ushort)L2tpCdnResult.GeneralError, L2tpErrorCode.ValueOutOfRange, m.ProblemDetail ?? ""),
            _ when _sessions.Values.Any(s => s.PeerId == peerSid) => ((ushort)L2tpCdnResult.GeneralError, L2tpErrorCode.InvalidSessionId, "peer session id already in use"),
            _ when _sessions.Count >= _options.MaxSessionsPerTunnel => ((ushort)L2tpCdnResult.GeneralError, L2tpErrorCode.InsufficientResources, "session limit reached"),
            _ => null,
        };
        if (refusal is { } r)
        {
            // The CDN still names a session id of ours (§6.14); one that is not in use, never stored.
            SendCdn(peerSid, _server.NewSessionId(this), r.Result, (ushort)r.Error, r.Text);
            actions.Add(new L2tpLog("warn", "L2TP call refused", [("peer", Peer.Remote), ("tunnel", Id), ("peer_session", peerSid), ("detail", r.Text)]));
            return;
        }

        var session = new L2tpSession(_server.NewSessionId(this), peerSid, now);
        _sessions.Add(session.Id, session);
        _channel.Enqueue(new L2tpMessageWriter(L2tpMessageType.IncomingCallReply)
            .AddUInt16(L2tpAvpType.AssignedSessionId, session.Id, mandatory: true)
            .ToMessage(PeerId, peerSid));
    }

    private void OnIncomingCallConnected(L2tpControlMessage m, List<L2tpAction> actions)
    {
        if (!_sessions.TryGetValue(m.Header.SessionId, out var session))
        {
            _server.Count("control: ICCN for an unknown session");
            return;
        }
        if (RefusedSessionForProblem(session, m, actions)) return;
        if (session.Established)
        {
            _server.Count("control: ICCN for a connected session");
            return;
        }
        session.Established = true;
        actions.Add(new L2tpSessionUp(Id, session.Id, PeerId, session.PeerId, Peer));
        actions.Add(new L2tpLog("info", "L2TP session up", [("peer", Peer.Remote), ("tunnel", Id), ("session", session.Id), ("peer_session", session.PeerId)]));
    }

    private void OnCallDisconnect(L2tpControlMessage m, List<L2tpAction> actions)
    {
        // A CDN for a call whose ICRP the peer never saw may carry session id 0 in the header;
        // its Assigned Session ID (the peer's own) still names the call.
        ushort? peerSid = m.UInt16(L2tpAvpType.AssignedSessionId);
        var session = m.Header.SessionId != 0
            ? _sessions.GetValueOrDefault(m.Header.SessionId)
            : _sessions.Values.FirstOrDefault(s => peerSid is not null && s.PeerId == peerSid);
        if (session is null)
        {
            _server.Count("control: CDN for an unknown session");
            return;
        }
        var rc = m.ResultCode();
        _sessions.Remove(session.Id);
        actions.Add(new L2tpLog("info", "L2TP peer closed the session", [("peer", Peer.Remote), ("tunnel", Id), ("session", session.Id),
            ("result", rc?.Result), ("error", rc?.Error), ("message", rc?.Message)]));
        if (session.Established)
            actions.Add(new L2tpSessionDown(Id, session.Id, "peer sent CDN (result " + Number(rc?.Result) + ", error " + Number(rc?.Error) + ")"));
    }

    /// <summary>WEN and SLI carry line statistics and ACCM for an LAC's async line: accepted, ignored.</summary>
    private void OnLinkInfo(L2tpControlMessage m, List<L2tpAction> actions)
    {
        if (_sessions.TryGetValue(m.Header.SessionId, out var session)) RefusedSessionForProblem(session, m, actions);
    }

    /// <summary>An LNS places no outgoing calls on a LAC's behalf: refused with a CDN.</summary>
    private void OnOutgoingCallRequest(L2tpControlMessage m, List<L2tpAction> actions)
    {
        if (m.UInt16(L2tpAvpType.AssignedSessionId) is not { } peerSid || peerSid == 0)
        {
            _server.Count("control: OCRQ without Assigned Session ID");
            return;
        }
        SendCdn(peerSid, _server.NewSessionId(this), (ushort)L2tpCdnResult.PermanentLackOfFacilities, null, "outgoing calls are not supported");
        actions.Add(new L2tpLog("warn", "L2TP outgoing call request refused", [("peer", Peer.Remote), ("tunnel", Id)]));
    }

    /// <summary>Session-scoped problems clear the session with a CDN (§4.1). True when it was cleared.</summary>
    private bool RefusedSessionForProblem(L2tpSession session, L2tpControlMessage m, List<L2tpAction> actions)
    {
        L2tpErrorCode? error = m.Problem switch
        {
            L2tpMessageProblem.UnknownMandatoryAvp => L2tpErrorCode.UnknownMandatoryAvp,
            L2tpMessageProblem.HiddenNotRevealed => L2tpErrorCode.ValueOutOfRange,
            _ => null,
        };
        if (error is null) return false;
        string detail = m.ProblemDetail ?? "";
        actions.Add(new L2tpLog("warn", "L2TP session cleared on a protocol error", [("peer", Peer.Remote), ("tunnel", Id), ("session", session.Id), ("detail", detail)]));
        Disconnect(session, (ushort)L2tpCdnResult.GeneralError, (ushort)error, detail, detail, actions);
        return true;
    }

    private static string Number(ushort? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "none";
}
