using System.Buffers.Binary;
using System.Net;
using System.Text;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ppp;

namespace Appliance.Bench.L2tp;

/// <summary>
/// The client end of one PPP link, as a dial-up client behaves towards an LNS: LCP (accepts
/// whatever the server asks for, including its authentication protocol), CHAP with MS-CHAPv2 or
/// MD5 (or PAP), then IPCP taking the address the server offers in a Nak. No I/O: frames in,
/// frames out (each a PPP frame with FF 03), the caller's clock drives retransmission.
/// </summary>
internal sealed class PppClient(string user, string password, Random random)
{
    private const byte ConfReq = 1, ConfAck = 2, ConfNak = 3, ConfRej = 4, TermReq = 5, TermAck = 6, ProtRej = 8, EchoReq = 9, EchoRep = 10;
    private const byte ChapChallenge = 1, ChapResponse = 2, ChapSuccess = 3, ChapFailure = 4;
    private static readonly TimeSpan Restart = TimeSpan.FromSeconds(1);

    private readonly byte[] _userName = Encoding.UTF8.GetBytes(user);
    private uint _magic = (uint)random.Next(1, int.MaxValue);
    private ushort _mru = 1400;
    private bool _sendMru = true, _sendMagic = true;
    private uint _ipAddress, _dns1, _dns2;
    private bool _sendDns1 = true, _sendDns2 = true;
    // Identifier of our latest Configure/Terminate-Request (answers must carry it), and a
    // separate counter for everything else we originate (Protocol-Reject), so that a reject sent
    // while a request is outstanding cannot make the request's answer look stale.
    private byte _id = (byte)random.Next(256);
    private byte _otherId = (byte)random.Next(256);
    private byte[]? _pending;             // our unacknowledged Configure-Request (LCP or IPCP) or Terminate-Request
    private DateTimeOffset _pendingSince;
    private int _pendingTries;
    private bool _lcpAckedByPeer, _lcpAckedByUs, _ipcpAckedByPeer, _ipcpAckedByUs;
    private ushort _authProtocol;          // 0 = none, 0xC223 CHAP, 0xC023 PAP
    private byte _chapAlgorithm;           // 0x81 MS-CHAPv2, 0x05 MD5
    private byte[]? _ntResponse, _peerChallenge, _authChallenge;

    public enum Stage { Lcp, Auth, Ipcp, Up, Terminating, Down }

    public Stage Phase { get; private set; } = Stage.Lcp;
    public string? Failure { get; private set; }
    public IPAddress? Address => _ipAddress == 0 ? null : new IPAddress(_ipAddress);
    public string AuthName => _authProtocol switch { 0xC223 => _chapAlgorithm == 0x81 ? "MS-CHAPv2" : "CHAP-MD5", 0xC023 => "PAP", _ => "none" };
    public int EchoesAnswered { get; private set; }

    public List<byte[]> Start(DateTimeOffset now) => [SendPending(Lcp(ConfReq, NextId(), LcpOptions()), now)];

    /// <summary>Our request again when unanswered for a second; a link that stays unanswered fails.</summary>
    public List<byte[]> Tick(DateTimeOffset now)
    {
        if (_pending is null || now - _pendingSince < Restart) return [];
        if (++_pendingTries > 10) { Fail("no answer to our " + (Phase == Stage.Ipcp ? "IPCP" : "LCP") + " request"); return []; }
        _pendingSince = now;
        return [_pending];
    }

    public DateTimeOffset? NextTimer => _pending is null ? null : _pendingSince + Restart;

    /// <summary>Asks the server to end the link (LCP Terminate-Request).</summary>
    public List<byte[]> Terminate(DateTimeOffset now)
    {
        Phase = Stage.Terminating;
        return [SendPending(Lcp(TermReq, NextId(), []), now)];
    }

    public List<byte[]> Receive(ReadOnlySpan<byte> frame, DateTimeOffset now)
    {
        var output = new List<byte[]>();
        if (!PppFraming.TryDecode(frame, out ushort protocol, out var range)) return output;
        var info = frame[range];
        if (info.Length < 4 && protocol != PppProtocol.Ip) return output;
        int length = info.Length >= 4 ? BinaryPrimitives.ReadUInt16BigEndian(info[2..]) : 0;
        if (protocol != PppProtocol.Ip && (length < 4 || length > info.Length)) return output;
        switch (protocol)
        {
            case PppProtocol.Lcp: OnLcp(info[0], info[1], info[4..length], now, output); break;
            case PppProtocol.Chap: OnChap(info[0], info[1], info[4..length], now, output); break;
            case PppProtocol.Pap: OnPap(info[0], now, output); break;
            case PppProtocol.Ipcp: OnIpcp(info[0], info[1], info[4..length], now, output); break;
            case PppProtocol.Ip: break;
            default:
                // CCP, IPv6CP and the like: not spoken here (RFC 1661 §5.7 Protocol-Reject).
                if (Phase is Stage.Ipcp or Stage.Up or Stage.Auth)
                {
                    var data = new byte[2 + Math.Min(info.Length, 200)];
                    BinaryPrimitives.WriteUInt16BigEndian(data, protocol);
                    info[..(data.Length - 2)].CopyTo(data.AsSpan(2));
                    output.Add(Lcp(ProtRej, ++_otherId, data));
                }
                break;
        }
        return output;
    }

    private void OnLcp(byte code, byte id, ReadOnlySpan<byte> data, DateTimeOffset now, List<byte[]> output)
    {
        switch (code)
        {
            case ConfReq:
                // Whatever the server asks for is fine; what it asks to authenticate with is what we do.
                _authProtocol = 0;
                foreach (var (type, value) in Options(data))
                    if (type == 3 && value.Length >= 2)
                    {
                        _authProtocol = BinaryPrimitives.ReadUInt16BigEndian(value);
                        _chapAlgorithm = value.Length >= 3 ? value[2] : (byte)0;
                    }
                if (_authProtocol == 0xC223 && _chapAlgorithm is not (0x81 or 0x05))
                {
                    // Propose MS-CHAPv2 instead of an algorithm we do not have.
                    output.Add(Lcp(ConfNak, id, [3, 5, 0xC2, 0x23, 0x81]));
                    return;
                }
                output.Add(Lcp(ConfAck, id, data));
                _lcpAckedByUs = true;
                if (Phase == Stage.Lcp && _lcpAckedByPeer) LcpOpened(now, output);
                break;
            case ConfAck:
                if (Phase != Stage.Lcp || id != _id) return;
                _pending = null;
                _lcpAckedByPeer = true;
                if (_lcpAckedByUs) LcpOpened(now, output);
                break;
            case ConfNak or ConfRej:
                if (Phase != Stage.Lcp || id != _id) return;
                foreach (var (type, value) in Options(data))
                {
                    if (type == 1) { if (code == ConfRej) _sendMru = false; else if (value.Length == 2) _mru = BinaryPrimitives.ReadUInt16BigEndian(value); }
                    else if (type == 5) { if (code == ConfRej) _sendMagic = false; else _magic = (uint)random.Next(1, int.MaxValue); }
                }
                output.Add(SendPending(Lcp(ConfReq, NextId(), LcpOptions()), now));
                break;
            case TermReq:
                output.Add(Lcp(TermAck, id, []));
                if (Phase != Stage.Terminating) Fail("server ended the link (LCP Terminate-Request)");
                Phase = Stage.Down;
                _pending = null;
                break;
            case TermAck:
                if (Phase == Stage.Terminating) { Phase = Stage.Down; _pending = null; }
                break;
            case EchoReq:
                if (data.Length < 4) return;
                var reply = data.ToArray();
                BinaryPrimitives.WriteUInt32BigEndian(reply, _sendMagic ? _magic : 0);
                output.Add(Lcp(EchoRep, id, reply));
                EchoesAnswered++;
                break;
        }
    }

    private void LcpOpened(DateTimeOffset now, List<byte[]> output)
    {
        if (_authProtocol == 0xC023)
        {
            Phase = Stage.Auth;
            byte[] pwd = Encoding.UTF8.GetBytes(password);
            var data = new byte[2 + _userName.Length + pwd.Length];
            data[0] = (byte)_userName.Length;
            _userName.CopyTo(data, 1);
            data[1 + _userName.Length] = (byte)pwd.Length;
            pwd.CopyTo(data, 2 + _userName.Length);
            output.Add(SendPending(Control(PppProtocol.Pap, 1, NextId(), data), now));
        }
        else if (_authProtocol == 0xC223) Phase = Stage.Auth; // the server's Challenge comes next
        else StartIpcp(now, output);
    }

    private void OnChap(byte code, byte id, ReadOnlySpan<byte> data, DateTimeOffset now, List<byte[]> output)
    {
        if (Phase != Stage.Auth && !(Phase is Stage.Ipcp or Stage.Up && code == ChapChallenge)) return;
        switch (code)
        {
            case ChapChallenge:
                if (data.Length < 1 || data[0] + 1 > data.Length) return;
                var challenge = data.Slice(1, data[0]);
                byte[] value;
                if (_chapAlgorithm == 0x81)
                {
                    if (challenge.Length != MsChapV2.ChallengeSize) { Fail("MS-CHAPv2 challenge not 16 bytes"); return; }
                    _authChallenge = challenge.ToArray();
                    _peerChallenge = new byte[16];
                    random.NextBytes(_peerChallenge);
                    _ntResponse = MsChapV2.GenerateNTResponse(_authChallenge, _peerChallenge, _userName, password);
                    value = new byte[49];
                    _peerChallenge.CopyTo(value, 0);
                    _ntResponse.CopyTo(value, 24);
                }
                else value = ChapMd5.ComputeResponse(id, Encoding.UTF8.GetBytes(password), challenge);
                var response = new byte[1 + value.Length + _userName.Length];
                response[0] = (byte)value.Length;
                value.CopyTo(response, 1);
                _userName.CopyTo(response, 1 + value.Length);
                output.Add(Control(PppProtocol.Chap, ChapResponse, id, response));
                break;
            case ChapSuccess:
                if (Phase != Stage.Auth) return;
                if (_chapAlgorithm == 0x81)
                {
                    // RFC 2759 §5: the server proves it knows the password too ("S=" + 40 hex digits).
                    if (data.Length < MsChapV2.AuthenticatorResponseSize || _ntResponse is null ||
                        !MsChapV2.CheckAuthenticatorResponse(MsChapV2.NtPasswordHash(password), _ntResponse, _peerChallenge, _authChallenge,
                            _userName, data[..MsChapV2.AuthenticatorResponseSize]))
                    {
                        Fail("MS-CHAPv2 authenticator response wrong");
                        return;
                    }
                }
                StartIpcp(now, output);
                break;
            case ChapFailure:
                Fail("authentication refused: " + Encoding.ASCII.GetString(data));
                break;
        }
    }

    private void OnPap(byte code, DateTimeOffset now, List<byte[]> output)
    {
        if (Phase != Stage.Auth) return;
        _pending = null;
        if (code == 2) StartIpcp(now, output);
        else Fail("PAP refused");
    }

    private void StartIpcp(DateTimeOffset now, List<byte[]> output)
    {
        Phase = Stage.Ipcp;
        output.Add(SendPending(Ipcp(ConfReq, NextId(), IpcpOptions()), now));
    }

    private void OnIpcp(byte code, byte id, ReadOnlySpan<byte> data, DateTimeOffset now, List<byte[]> output)
    {
        if (Phase is not (Stage.Ipcp or Stage.Up)) return;
        switch (code)
        {
            case ConfReq:
                output.Add(Ipcp(ConfAck, id, data));
                _ipcpAckedByUs = true;
                if (_ipcpAckedByPeer) Phase = Stage.Up;
                break;
            case ConfAck:
                if (id != _id) return;
                _pending = null;
                _ipcpAckedByPeer = true;
                if (_ipcpAckedByUs) Phase = Stage.Up;
                break;
            case ConfNak or ConfRej:
                if (id != _id) return;
                foreach (var (type, value) in Options(data))
                {
                    uint v = value.Length == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(value) : 0;
                    if (type == 3) { if (code == ConfRej) { Fail("server rejected the IP-Address option"); return; } _ipAddress = v; }
                    else if (type == 129) { if (code == ConfRej) _sendDns1 = false; else _dns1 = v; }
                    else if (type == 131) { if (code == ConfRej) _sendDns2 = false; else _dns2 = v; }
                }
                output.Add(SendPending(Ipcp(ConfReq, NextId(), IpcpOptions()), now));
                break;
            case TermReq:
                output.Add(Ipcp(TermAck, id, []));
                Fail("server ended IPCP");
                break;
        }
    }

    private byte[] LcpOptions()
    {
        var o = new List<byte>();
        if (_sendMru) { o.AddRange([1, 4]); o.Add((byte)(_mru >> 8)); o.Add((byte)_mru); }
        if (_sendMagic) { o.AddRange([5, 6]); o.AddRange(BigEndian(_magic)); }
        return [.. o];
    }

    private byte[] IpcpOptions()
    {
        var o = new List<byte>();
        o.AddRange([3, 6]); o.AddRange(BitConverter.GetBytes(_ipAddress));
        if (_sendDns1) { o.AddRange([129, 6]); o.AddRange(BitConverter.GetBytes(_dns1)); }
        if (_sendDns2) { o.AddRange([131, 6]); o.AddRange(BitConverter.GetBytes(_dns2)); }
        return [.. o];
    }

    private static byte[] BigEndian(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    /// <summary>Type/value pairs of a well-formed option list; stops at the first malformed one.</summary>
    private static List<(byte Type, byte[] Value)> Options(ReadOnlySpan<byte> data)
    {
        var list = new List<(byte, byte[])>();
        int i = 0;
        while (i + 2 <= data.Length)
        {
            int len = data[i + 1];
            if (len < 2 || i + len > data.Length) break;
            list.Add((data[i], data.Slice(i + 2, len - 2).ToArray()));
            i += len;
        }
        return list;
    }

    private byte[] SendPending(byte[] frame, DateTimeOffset now)
    {
        _pending = frame;
        _pendingSince = now;
        _pendingTries = 0;
        return frame;
    }

    private byte NextId() => ++_id;

    private void Fail(string reason)
    {
        Failure ??= reason;
        Phase = Stage.Down;
        _pending = null;
    }

    private static byte[] Lcp(byte code, byte id, ReadOnlySpan<byte> data) => Control(PppProtocol.Lcp, code, id, data);
    private static byte[] Ipcp(byte code, byte id, ReadOnlySpan<byte> data) => Control(PppProtocol.Ipcp, code, id, data);

    private static byte[] Control(ushort protocol, byte code, byte id, ReadOnlySpan<byte> data)
    {
        var info = new byte[4 + data.Length];
        info[0] = code;
        info[1] = id;
        BinaryPrimitives.WriteUInt16BigEndian(info.AsSpan(2), (ushort)info.Length);
        data.CopyTo(info.AsSpan(4));
        return PppFraming.Encode(protocol, info);
    }
}
