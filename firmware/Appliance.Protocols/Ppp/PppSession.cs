using System.Net;
using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Ppp;

/// <summary>
/// The server (authenticator) side of one PPP link, free of I/O: the host feeds it frames and the
/// time, and carries out the actions it returns. LCP opens the link (RFC 1661), the peer proves a
/// password (MS-CHAPv2, CHAP-MD5 or, if allowed, PAP), the host assigns an address and IPCP hands
/// it over (RFC 1332/1877). CCP, IPV6CP and every other protocol get an LCP Protocol-Reject.
/// <para>
/// Files: this one holds the public surface and the layer plumbing; <c>PppSession.Lcp.cs</c> the
/// LCP codes beyond negotiation (echo, identification, rejects); <c>PppSession.Network.cs</c>
/// authentication outcome, address and IPCP. Not thread-safe: one caller at a time.
/// </para>
/// </summary>
public sealed partial class PppSession
{
    private readonly PppSessionOptions _options;
    private readonly IPppAuthority _authority;
    private readonly IRandomSource _random;
    private readonly PppOutput _output;
    private readonly Queue<AutomatonSignal> _signals = new();
    private readonly LcpNegotiator _lcpOptions;
    private readonly IpcpNegotiator _ipcpOptions;
    private readonly OptionAutomaton _lcp;
    private readonly OptionAutomaton _ipcp;

    private DateTimeOffset _now;
    private bool _started;
    private bool _dead;
    private string? _downReason;

    public PppSession(PppSessionOptions options, IPppAuthority authority, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(random);
        options.Validate();
        _options = options;
        _authority = authority;
        _random = random;
        _output = new PppOutput(Counters);
        _lcpOptions = new LcpNegotiator(options, random);
        _ipcpOptions = new IpcpNegotiator(options);
        _lcp = new OptionAutomaton(PppProtocol.Lcp, _lcpOptions, _output, _signals);
        _ipcp = new OptionAutomaton(PppProtocol.Ipcp, _ipcpOptions, _output, _signals);
    }

    public PppPhase Phase
    {
        get
        {
            if (!_started || _dead) return PppPhase.Dead;
            return _lcp.State switch
            {
                PppAutomatonState.Closing or PppAutomatonState.Stopping => PppPhase.Terminate,
                PppAutomatonState.Opened => _authenticated ? PppPhase.Network : PppPhase.Authenticate,
                _ => PppPhase.Establish,
            };
        }
    }

    /// <summary>The name the peer authenticated (or tried to) with, without any domain prefix.</summary>
    public string? UserName { get; private set; }

    /// <summary>The address the host allocated to the peer; null before authentication and once released.</summary>
    public IPAddress? PeerAddress => _address;

    /// <summary>The text of the peer's LCP Identification packets (Windows: "MSRASV5.20; MSRAS-0-HOST").</summary>
    public string? PeerIdentification => _identifications.Count == 0 ? null : string.Join("; ", _identifications);

    /// <summary>The authentication protocol in use (after LCP opened).</summary>
    public PppAuthenticationMethod AuthenticationMethod => _authenticator?.Method ?? PppAuthenticationMethod.None;

    /// <summary>
    /// The largest packet to send over this link and configure as interface MTU: the peer's MRU,
    /// capped by the MRU we asked for, so both directions use the same size.
    /// </summary>
    public int NegotiatedMru => Math.Min(_lcpOptions.PeerMru, _lcpOptions.AgreedReceiveMru);

    public PppCounters Counters { get; } = new();

    public PppAutomatonState LcpState => _lcp.State;
    public PppAutomatonState IpcpState => _ipcp.State;

    /// <summary>The earliest time <see cref="Tick"/> has work; null when no timer runs.</summary>
    public DateTimeOffset? NextTimer
    {
        get
        {
            if (!_started || _dead) return null;
            DateTimeOffset? next = null;
            foreach (var candidate in new[] { _lcp.RestartDeadline, _ipcp.RestartDeadline, _authDeadline, _authenticated ? null : _authenticator?.NextDeadline, _nextEcho })
                if (candidate is { } c && (next is null || c < next)) next = c;
            return next;
        }
    }

    /// <summary>The lower layer is up and we open the link: sends our LCP Configure-Request.</summary>
    public List<PppAction> Start(DateTimeOffset now)
    {
        if (_started) return _output.Take();
        _now = now;
        _started = true;
        _lcp.Open(now);
        _lcp.Up(now);
        Drain();
        return _output.Take();
    }

    /// <summary>One whole PPP frame from the peer.</summary>
    public List<PppAction> Receive(ReadOnlySpan<byte> frame, DateTimeOffset now)
    {
        if (!_started || _dead)
        {
            Counters.Drop("session not running");
            return _output.Take();
        }
        _now = now;
        Counters.FramesReceived++;
        if (!PppFraming.TryDecode(frame, out ushort protocol, out Range range))
        {
            Counters.Drop("frame header malformed");
            return _output.Take();
        }
        var information = frame[range];
        switch (protocol)
        {
            case PppProtocol.Lcp: ReceiveLcp(information); break;
            case PppProtocol.Chap or PppProtocol.Pap: ReceiveAuthentication(protocol, information); break;
            case PppProtocol.Ipcp: ReceiveIpcp(information); break;
            case PppProtocol.Ip: ReceiveIp(information); break;
            default: ReceiveOther(protocol, information); break;
        }
        Drain();
        return _output.Take();
    }

    /// <summary>Timers: restart timers, Challenge retransmission, authentication timeout, keepalive.</summary>
    public List<PppAction> Tick(DateTimeOffset now)
    {
        if (!_started || _dead) return _output.Take();
        _now = now;
        _lcp.Tick(now);
        Drain();
        _ipcp.Tick(now);
        Drain();
        TickAuthentication();
        Drain();
        TickEcho();
        Drain();
        return _output.Take();
    }

    /// <summary>Close the link from our side: LCP Terminate-Request, link down after the Ack or a timeout.</summary>
    public List<PppAction> Close(string reason, DateTimeOffset now)
    {
        if (!_started || _dead) return _output.Take();
        _now = now;
        _output.Log("info", "closing link", ("reason", reason));
        CloseLink(reason);
        Drain();
        return _output.Take();
    }

    /// <summary>The lower layer (L2TP session or tunnel) is gone: the link is down at once.</summary>
    public List<PppAction> LowerLayerDown(string reason, DateTimeOffset now)
    {
        if (!_started || _dead) return _output.Take();
        _now = now;
        _downReason ??= reason;
        _lcp.Down();
        Drain();
        GoDown(_downReason);
        return _output.Take();
    }

    private void ReceiveOther(ushort protocol, ReadOnlySpan<byte> information)
    {
        // RFC 1661 §3.4/§5.7: nothing but LCP before LCP is Opened; NCPs and network data only in
        // the Network phase (earlier ones are discarded, the peer repeats them); after that, what
        // we do not speak is rejected so the peer stops sending it.
        //
        // CCP gets the same LCP Protocol-Reject rather than a Configure-Reject of its options:
        // the Protocol-Reject is RXJ- for the peer's CCP, which finishes at once, and Windows
        // then goes on without compression (what pppd with noccp and accel-ppp do, and Windows
        // meets on every xl2tpd/pppd server). Rejecting the options instead would leave Windows
        // sending an empty CCP request and waiting for ours, i.e. running a CCP automaton that
        // negotiates nothing. MPPE is pointless here anyway: IPsec already encrypts the link.
        if (_lcp.State != PppAutomatonState.Opened)
            Counters.Drop("non-LCP frame before LCP opened");
        else if (!_authenticated && PppProtocol.IsNetworkLayer(protocol))
            Counters.Drop("network protocol before the network phase");
        else
            SendProtocolReject(protocol, information);
    }

    /// <summary>Handles the This-Layer-* signals queued by the automatons, in order, until none is left.</summary>
    private void Drain()
    {
        while (_signals.TryDequeue(out var signal))
        {
            if (_dead)
            {
                _signals.Clear();
                return;
            }
            if (ReferenceEquals(signal.Source, _lcp)) OnLcpSignal(signal);
            else OnIpcpSignal(signal);
        }
    }

    private void OnLcpSignal(AutomatonSignal signal)
    {
        switch (signal.Signal)
        {
            case LayerSignal.Up: LcpOpened(); break;
            case LayerSignal.Down: LcpDown(signal.Reason); break;
            case LayerSignal.Finished: GoDown(_downReason ?? "LCP " + signal.Reason); break;
            case LayerSignal.Failed: CloseLink("LCP: " + signal.Reason); break;
        }
    }

    private void OnIpcpSignal(AutomatonSignal signal)
    {
        switch (signal.Signal)
        {
            case LayerSignal.Up: NetworkUp(); break;
            case LayerSignal.Down: NetworkDown("IPCP " + signal.Reason); break;
            case LayerSignal.Finished: CloseLink("IPCP " + signal.Reason); break;
            case LayerSignal.Failed: CloseLink("IPCP: " + signal.Reason); break;
        }
    }

    /// <summary>Close LCP (which takes the NCPs down with it); the link goes down once LCP finishes.</summary>
    private void CloseLink(string reason)
    {
        if (_dead) return;
        _downReason ??= reason;
        _lcp.Close(_now);
        // From Closed or Stopped there is no Terminate exchange to wait for.
        if (_lcp.State is PppAutomatonState.Closed or PppAutomatonState.Stopped or PppAutomatonState.Initial)
            GoDown(_downReason);
    }

    /// <summary>The end: route removed, address released, the host told to tear down the lower layer.</summary>
    private void GoDown(string reason)
    {
        if (_dead) return;
        NetworkDown(reason);
        ReleaseAddress();
        _dead = true;
        _nextEcho = null;
        _authDeadline = null;
        _output.Log("info", "PPP link down", ("reason", reason), ("user", UserName));
        _output.Add(new PppLinkDown(reason));
    }
}
