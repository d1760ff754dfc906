using System.Buffers.Binary;
using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Ppp;

/// <summary>
/// LCP's options (RFC 1661 §6) for the server side. We ask for our MRU (unless it is the default),
/// a Magic-Number and the authentication protocol; we accept the peer's MRU within the configured
/// range, its Magic-Number, ACCM, PFC and ACFC, and reject everything else: Callback (Windows asks
/// CBCP), multilink's MRRU, Short Sequence and Endpoint Discriminator, and an Authentication-Protocol
/// (we do not authenticate ourselves to clients).
/// </summary>
internal sealed class LcpNegotiator(PppSessionOptions options, IRandomSource random) : IOptionNegotiator
{
    public const int DefaultMru = 1500;

    /// <summary>
    /// Configure-Requests in a row carrying our own Magic-Number before we call the link looped
    /// back. Two honest collisions in a row have a probability of 2^-64 (RFC 1661 §6.4).
    /// </summary>
    public const int LoopedBackLimit = 3;

    public const byte OptionMru = 1;
    public const byte OptionAccm = 2;
    public const byte OptionAuthenticationProtocol = 3;
    public const byte OptionQualityProtocol = 4;
    public const byte OptionMagicNumber = 5;
    public const byte OptionPfc = 7;
    public const byte OptionAcfc = 8;
    public const byte OptionCallback = 13;
    public const byte OptionMrru = 17;
    public const byte OptionShortSequence = 18;
    public const byte OptionEndpointDiscriminator = 19;

    private const byte ChapAlgorithmMd5 = 0x05;
    private const byte ChapAlgorithmMsChapV2 = 0x81;

    private readonly PppAuthenticationMethod[] _methods = options.AllowPap
        ? [PppAuthenticationMethod.MsChapV2, PppAuthenticationMethod.ChapMd5, PppAuthenticationMethod.Pap]
        : [PppAuthenticationMethod.MsChapV2, PppAuthenticationMethod.ChapMd5];

    private bool _askMru;
    private int _ourMru;
    private bool _askMagic;
    private uint _ourMagic;
    private int _methodIndex;
    private int _loopedRequests;

    public string? FatalReason { get; private set; }

    /// <summary>The authentication protocol in our last request (the one to run once it is acknowledged).</summary>
    public PppAuthenticationMethod RequestedAuthentication => _methods[_methodIndex];

    /// <summary>What the peer acknowledged of our last request.</summary>
    public PppAuthenticationMethod AgreedAuthentication { get; private set; }
    public uint AgreedLocalMagic { get; private set; }
    public int AgreedReceiveMru { get; private set; } = DefaultMru;

    /// <summary>What we acknowledged of the peer's last request.</summary>
    public int PeerMru { get; private set; } = DefaultMru;
    public uint PeerMagic { get; private set; }
    public bool PeerPfc { get; private set; }
    public bool PeerAcfc { get; private set; }

    public void Reset()
    {
        _askMru = options.Mru != DefaultMru;
        _ourMru = options.Mru;
        _askMagic = true;
        _ourMagic = NewMagic(0);
        _methodIndex = 0;
        _loopedRequests = 0;
        FatalReason = null;
        AgreedAuthentication = PppAuthenticationMethod.None;
        AgreedLocalMagic = 0;
        AgreedReceiveMru = DefaultMru;
        PeerMru = DefaultMru;
        PeerMagic = 0;
        PeerPfc = PeerAcfc = false;
    }

    public byte[] BuildRequest()
    {
        var request = new List<byte>(16);
        if (_askMru) request.AddRange([OptionMru, 4, (byte)(_ourMru >> 8), (byte)_ourMru]);
        request.AddRange(AuthenticationOption(_methods[_methodIndex]));
        if (_askMagic) request.AddRange([OptionMagicNumber, 6, (byte)(_ourMagic >> 24), (byte)(_ourMagic >> 16), (byte)(_ourMagic >> 8), (byte)_ourMagic]);
        return [.. request];
    }

    public ConfigureReply Review(ReadOnlySpan<byte> requested, bool rejectInsteadOfNak)
    {
        var reply = new ConfigureReplyBuilder();
        bool sawOurMagic = false;
        foreach (var option in new ConfigOptionReader(requested))
        {
            switch (option.Type)
            {
                case OptionMru when option.Whole.Length == 4:
                    int mru = BinaryPrimitives.ReadUInt16BigEndian(option.Data);
                    if (mru < options.MinMru || mru > options.MaxMru)
                        reply.Nak(option.Whole, [OptionMru, 4, (byte)(options.Mru >> 8), (byte)options.Mru]);
                    break;
                case OptionMagicNumber when option.Whole.Length == 6:
                    uint magic = BinaryPrimitives.ReadUInt32BigEndian(option.Data);
                    // Zero is illegal; our own number may mean the link is looped back (§6.4).
                    if (magic == 0 || (_askMagic && magic == _ourMagic))
                    {
                        sawOurMagic |= magic != 0;
                        uint suggestion = NewMagic(magic);
                        reply.Nak(option.Whole, [OptionMagicNumber, 6, (byte)(suggestion >> 24), (byte)(suggestion >> 16), (byte)(suggestion >> 8), (byte)suggestion]);
                    }
                    break;
                case OptionAccm when option.Whole.Length == 6:
                case OptionPfc when option.Whole.Length == 2:
                case OptionAcfc when option.Whole.Length == 2:
                    // Meaningless over L2TP's synchronous framing, harmless to accept.
                    break;
                default:
                    // Callback, MRRU, Short Sequence, Endpoint Discriminator, Authentication-
                    // Protocol, Quality-Protocol, unknown types and known types of a wrong length.
                    reply.Reject(option.Whole);
                    break;
            }
        }

        _loopedRequests = sawOurMagic ? _loopedRequests + 1 : 0;
        if (_loopedRequests >= LoopedBackLimit)
            FatalReason = "link is looped back (peer keeps sending our Magic-Number)";
        return reply.Finish(requested, rejectInsteadOfNak);
    }

    public void PeerAcknowledged(ReadOnlySpan<byte> acknowledged)
    {
        PeerMru = DefaultMru;
        PeerMagic = 0;
        PeerPfc = PeerAcfc = false;
        foreach (var option in new ConfigOptionReader(acknowledged))
        {
            switch (option.Type)
            {
                case OptionMru when option.Whole.Length == 4: PeerMru = BinaryPrimitives.ReadUInt16BigEndian(option.Data); break;
                case OptionMagicNumber when option.Whole.Length == 6: PeerMagic = BinaryPrimitives.ReadUInt32BigEndian(option.Data); break;
                case OptionPfc: PeerPfc = true; break;
                case OptionAcfc: PeerAcfc = true; break;
            }
        }
    }

    public void RequestAcknowledged()
    {
        AgreedAuthentication = _methods[_methodIndex];
        AgreedLocalMagic = _askMagic ? _ourMagic : 0;
        AgreedReceiveMru = _askMru ? _ourMru : DefaultMru;
    }

    public void ApplyNak(ReadOnlySpan<byte> naked)
    {
        foreach (var option in new ConfigOptionReader(naked))
        {
            switch (option.Type)
            {
                case OptionMru when option.Whole.Length == 4:
                    // Take the peer's counter-proposal if we can live with it; else stop asking
                    // and receive the default 1500, which we handle anyway.
                    int mru = BinaryPrimitives.ReadUInt16BigEndian(option.Data);
                    _askMru = mru >= options.MinMru && mru <= options.MaxMru && mru != DefaultMru;
                    if (_askMru) _ourMru = mru;
                    break;
                case OptionMagicNumber when option.Whole.Length == 6:
                    _ourMagic = NewMagic(BinaryPrimitives.ReadUInt32BigEndian(option.Data));
                    break;
                case OptionAuthenticationProtocol when option.Whole.Length >= 4:
                    NextAuthentication(option.Data);
                    break;
            }
        }
    }

    public void ApplyReject(ReadOnlySpan<byte> rejected)
    {
        foreach (var option in new ConfigOptionReader(rejected))
        {
            switch (option.Type)
            {
                case OptionMru: _askMru = false; break;
                case OptionMagicNumber: _askMagic = false; break;
                case OptionAuthenticationProtocol: FatalReason = "peer refuses to authenticate"; break;
            }
        }
    }

    /// <summary>RFC 1661 §5.7: rejecting a code of the automaton itself (1-7) makes LCP unusable.</summary>
    public bool IsPermittedCodeReject(byte code) => code > ControlCode.CodeReject;

    /// <summary>
    /// The peer Nak'd our authentication protocol: take its suggestion if it is one we still offer
    /// further down our list, else the next one; past the end of the list there is no common protocol.
    /// </summary>
    private void NextAuthentication(ReadOnlySpan<byte> suggestion)
    {
        var suggested = Parse(suggestion);
        int index = Array.IndexOf(_methods, suggested);
        if (suggested != PppAuthenticationMethod.None && index > _methodIndex)
        {
            _methodIndex = index;
        }
        else if (_methodIndex + 1 < _methods.Length)
        {
            _methodIndex++;
        }
        else
        {
            FatalReason = "peer refused every authentication protocol we offer";
        }
    }

    private static PppAuthenticationMethod Parse(ReadOnlySpan<byte> data)
    {
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(data);
        if (protocol == PppProtocol.Pap) return PppAuthenticationMethod.Pap;
        if (protocol != PppProtocol.Chap || data.Length < 3) return PppAuthenticationMethod.None;
        return data[2] switch
        {
            ChapAlgorithmMsChapV2 => PppAuthenticationMethod.MsChapV2,
            ChapAlgorithmMd5 => PppAuthenticationMethod.ChapMd5,
            _ => PppAuthenticationMethod.None,
        };
    }

    private static byte[] AuthenticationOption(PppAuthenticationMethod method) => method switch
    {
        PppAuthenticationMethod.MsChapV2 => [OptionAuthenticationProtocol, 5, 0xC2, 0x23, ChapAlgorithmMsChapV2],
        PppAuthenticationMethod.ChapMd5 => [OptionAuthenticationProtocol, 5, 0xC2, 0x23, ChapAlgorithmMd5],
        _ => [OptionAuthenticationProtocol, 4, 0xC0, 0x23],
    };

    /// <summary>A random non-zero Magic-Number different from ours and from <paramref name="avoid"/>.</summary>
    private uint NewMagic(uint avoid)
    {
        Span<byte> bytes = stackalloc byte[4];
        for (int attempt = 0; attempt < 16; attempt++)
        {
            random.Fill(bytes);
            uint magic = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            if (magic != 0 && magic != avoid && magic != _ourMagic) return magic;
        }
        // Only a broken random source gets here; it must not hang the session.
        uint fallback = 0x5A5A5A5A;
        while (fallback == avoid || fallback == _ourMagic) fallback++;
        return fallback;
    }
}
