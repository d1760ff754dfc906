using System.Buffers.Binary;

namespace Appliance.Protocols.Ppp;

// LCP beyond option negotiation: keepalive echoes, Identification, Time-Remaining, Discard,
// Code- and Protocol-Reject (RFC 1661 §5.5-5.9, RFC 1570).
public sealed partial class PppSession
{
    private const int MaxIdentifications = 4;
    private const int MaxIdentificationLength = 100;

    private readonly List<string> _identifications = [];
    private readonly HashSet<ushort> _rejectedProtocolsLogged = [];
    private DateTimeOffset? _nextEcho;
    private int _echoesUnanswered;
    private bool _echoRejected;

    private void ReceiveLcp(ReadOnlySpan<byte> information)
    {
        if (!ControlPacket.TryParse(information, out var packet))
        {
            Counters.Drop("LCP packet malformed");
            return;
        }
        switch (packet.Code)
        {
            case >= ControlCode.ConfigureRequest and <= ControlCode.CodeReject:
                if (packet.Code == ControlCode.TerminateRequest && _lcp.State == PppAutomatonState.Opened)
                    _downReason ??= "peer terminated the link";
                if (packet.Code == ControlCode.CodeReject && !packet.Data.IsEmpty && packet.Data[0] == LcpCode.EchoRequest)
                    StopEchoes();
                _lcp.Receive(packet, _now);
                break;
            case LcpCode.ProtocolReject: ReceiveProtocolReject(packet); break;
            case LcpCode.EchoRequest: ReceiveEchoRequest(packet); break;
            case LcpCode.EchoReply: ReceiveEchoReply(packet); break;
            case LcpCode.DiscardRequest: break;
            case LcpCode.Identification: ReceiveIdentification(packet); break;
            case LcpCode.TimeRemaining: ReceiveTimeRemaining(packet); break;
            default: _lcp.RejectUnknownCode(packet); break;
        }
    }

    private void ReceiveEchoRequest(ControlPacket packet)
    {
        if (!IsOpenedWithMagic(packet, "Echo-Request")) return;
        Span<byte> magic = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(magic, _lcpOptions.AgreedLocalMagic);
        _output.SendQuoting(PppProtocol.Lcp, LcpCode.EchoReply, packet.Identifier, magic, packet.Data[4..]);
    }

    private void ReceiveEchoReply(ControlPacket packet)
    {
        if (!IsOpenedWithMagic(packet, "Echo-Reply")) return;
        Counters.EchoRepliesReceived++;
        _echoesUnanswered = 0;
    }

    /// <summary>
    /// Echo packets count only in the Opened state and must carry the peer's Magic-Number, not
    /// ours: seeing ours means the link is looped back (RFC 1661 §6.4), and we must not answer.
    /// </summary>
    private bool IsOpenedWithMagic(ControlPacket packet, string what)
    {
        if (_lcp.State != PppAutomatonState.Opened)
        {
            Counters.Drop($"LCP {what} while not opened");
            return false;
        }
        if (packet.Data.Length < 4)
        {
            Counters.Drop($"LCP {what} malformed");
            return false;
        }
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(packet.Data);
        if (_lcpOptions.AgreedLocalMagic != 0 && magic == _lcpOptions.AgreedLocalMagic)
        {
            Counters.Drop($"LCP {what} with our own Magic-Number");
            return false;
        }
        return true;
    }

    private void TickEcho()
    {
        if (_dead || _nextEcho is not { } due || _now < due || _lcp.State != PppAutomatonState.Opened) return;
        if (_echoesUnanswered >= _options.EchoFailures)
        {
            _output.Log("warn", "peer stopped answering LCP Echo-Requests", ("unanswered", _echoesUnanswered), ("user", UserName));
            // A dead peer would not answer a Terminate-Request either: down at once.
            GoDown($"no answer to {_echoesUnanswered} LCP Echo-Requests");
            return;
        }
        Span<byte> magic = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(magic, _lcpOptions.AgreedLocalMagic);
        _output.SendControl(PppProtocol.Lcp, LcpCode.EchoRequest, _lcp.NextIdentifier(), magic);
        Counters.EchoRequestsSent++;
        _echoesUnanswered++;
        _nextEcho = _now + _options.EchoInterval;
    }

    private void StartEchoes()
    {
        _echoesUnanswered = 0;
        _nextEcho = _options.EchoInterval > TimeSpan.Zero && !_echoRejected ? _now + _options.EchoInterval : null;
    }

    private void StopEchoes()
    {
        if (_echoRejected) return;
        _echoRejected = true;
        _nextEcho = null;
        _output.Log("info", "peer rejects LCP Echo-Request; keepalive off");
    }

    /// <summary>RFC 1570 §2.1: Magic-Number then free text; kept (bounded, printable) to tell client kinds apart.</summary>
    private void ReceiveIdentification(ControlPacket packet)
    {
        if (packet.Data.Length < 4)
        {
            Counters.Drop("LCP Identification malformed");
            return;
        }
        string text = PrintableText.From(packet.Data[4..], MaxIdentificationLength);
        if (text.Length == 0 || _identifications.Count >= MaxIdentifications || _identifications.Contains(text)) return;
        _identifications.Add(text);
        _output.Log("info", "peer identification", ("text", text));
    }

    private void ReceiveTimeRemaining(ControlPacket packet)
    {
        if (packet.Data.Length < 8)
        {
            Counters.Drop("LCP Time-Remaining malformed");
            return;
        }
        _output.Log("info", "peer announces time remaining", ("seconds", BinaryPrimitives.ReadUInt32BigEndian(packet.Data[4..])));
    }

    /// <summary>The peer does not speak a protocol we sent: for IPCP or authentication that ends the link.</summary>
    private void ReceiveProtocolReject(ControlPacket packet)
    {
        if (_lcp.State != PppAutomatonState.Opened || packet.Data.Length < 2)
        {
            Counters.Drop("LCP Protocol-Reject not acceptable");
            return;
        }
        ushort rejected = BinaryPrimitives.ReadUInt16BigEndian(packet.Data);
        _output.Log("info", "peer rejected a protocol", ("protocol", PppProtocol.Name(rejected)));
        if (rejected == PppProtocol.Ipcp)
        {
            _ipcp.RejectReceived(false, "rejected by the peer", _now);
        }
        else if (_authenticator is { } authenticator && rejected == authenticator.Protocol && !_authenticated && !authenticator.Done)
        {
            OnAuthenticationVerdict(new AuthenticationVerdict(false, UserName ?? string.Empty, "peer rejected the authentication protocol"));
        }
    }

    private void SendProtocolReject(ushort protocol, ReadOnlySpan<byte> information)
    {
        Span<byte> rejected = [(byte)(protocol >> 8), (byte)protocol];
        _output.SendQuoting(PppProtocol.Lcp, LcpCode.ProtocolReject, _lcp.NextIdentifier(), rejected, information);
        if (_rejectedProtocolsLogged.Add(protocol))
            _output.Log("info", "protocol not supported, sent Protocol-Reject", ("protocol", PppProtocol.Name(protocol)));
    }
}
