using System.Net;
using System.Net.Sockets;
using Appliance.Platform.Linux.Netlink;
using Appliance.Platform.Linux.Udp;
using Appliance.Protocols.Esp;
using Appliance.Protocols.Ike.Sa;

namespace Appliance.Host.Daemon.Esp;

/// <summary>
/// ESP in the kernel through XFRM. Two policies guard the box as a whole (the inbound one until
/// the 1701 sockets' own policies take its place: <see cref="MoveInboundGuardToSockets"/>):
/// <list type="bullet">
/// <item>inbound, every UDP datagram to local port 1701 must have come through an ESP transport SA
/// (template with reqid 0 = any of ours): L2TP in clear is dropped by the kernel's policy check;</item>
/// <item>outbound, UDP from local port 1701 is blocked unless a more specific policy sends it
/// through an SA: nothing of L2TP ever leaves in clear.</item>
/// </list>
/// Each client (the peer's address and port as the IKE SA sees it) gets a reqid and a mark
/// (<see cref="ClientCarriers"/>); its
/// outbound policy matches only packets carrying that mark. Several clients behind one NAT share
/// an address and often the inner port 1701, so an address-based selector could not tell them
/// apart: the mark can (the L2TP layer marks each client's socket), and the inbound SAs put the
/// same mark on what they decrypt so the L2TP layer can tell who sent a datagram. Rekeyed pairs of
/// a client share its reqid: the kernel sends through the newest SA.
/// </summary>
internal sealed class KernelEspDatapath : IEspDatapath
{
    /// <summary>Policy priorities: lower wins. Per-client policies beat the guards.</summary>
    private const uint ClientPriority = 1000, InboundGuardPriority = 2000, OutboundGuardPriority = 3000;

    private static readonly XfrmPolicySpec InboundGuard = new()
    {
        Selector = XfrmSelector.AnyL2tpIn(), Direction = XfrmPolicyDirection.In, ReqId = 0, Priority = InboundGuardPriority,
    };
    private static readonly XfrmPolicySpec OutboundGuard = new()
    {
        Selector = XfrmSelector.AnyL2tpOut(), Direction = XfrmPolicyDirection.Out, ReqId = 0, Priority = OutboundGuardPriority, Block = true,
    };

    private readonly XfrmSocket _xfrm;
    private readonly int? _offloadInterface;
    private readonly ClientCarriers _carriers = new();
    private readonly Dictionary<uint, ChildSaKeys> _byInboundSpi = [];
    private readonly Dictionary<string, long> _drops = new(StringComparer.Ordinal);
    private readonly List<XfrmPolicySpec> _bypasses = [];
    /// <summary>False once <see cref="MoveInboundGuardToSockets"/> removed the inbound guard.</summary>
    private bool _inboundGuardPolicy = true;

    private KernelEspDatapath(XfrmSocket xfrm, int? offloadInterface)
    {
        _xfrm = xfrm;
        _offloadInterface = offloadInterface;
    }

    public string Name => "kernel";
    public bool WantsEspFromSocket => false;

    /// <summary>Opens XFRM and installs the two guard policies (replacing any a previous run left).</summary>
    public static KernelEspDatapath Open(int? offloadInterface)
    {
        XfrmSocket xfrm;
        try { xfrm = XfrmSocket.Open(); }
        catch (NetlinkException e) { throw new EspDatapathException($"cannot open NETLINK_XFRM: {e.Message}", e); }
        try
        {
            foreach (var guard in new[] { InboundGuard, OutboundGuard })
            {
                TryDelete(() => xfrm.DeletePolicy(guard));
                xfrm.AddPolicy(guard);
            }
            return new KernelEspDatapath(xfrm, offloadInterface);
        }
        catch (NetlinkException e)
        {
            xfrm.Dispose();
            throw new EspDatapathException($"cannot install the L2TP guard policies: {e.Message}", e);
        }
    }

    /// <summary>A narrow hole in the guards (vpn.plain_l2tp_lan): installed now, removed with
    /// the guards. Throws <see cref="EspDatapathException"/> when the kernel refuses it.</summary>
    public void AddBypass(XfrmPolicySpec bypass)
    {
        if (!bypass.Bypass || bypass.Priority <= ClientPriority || bypass.Priority >= InboundGuardPriority)
            throw new ArgumentException("a bypass lets packets pass, ranked between the clients' policies and the guards", nameof(bypass));
        if (bypass.Direction == XfrmPolicyDirection.In && !_inboundGuardPolicy)
            return; // no inbound policy to make a hole in: the listener takes clear L2TP itself
        try
        {
            TryDelete(() => _xfrm.DeletePolicy(bypass));
            _xfrm.AddPolicy(bypass);
        }
        catch (NetlinkException e) { throw new EspDatapathException($"cannot install the policy {bypass}: {e.Message}", e); }
        _bypasses.Add(bypass);
    }

    /// <summary>
    /// With the kernel L2TP datapath the inbound guard moves from the policy database onto the
    /// sockets of port 1701, where it covers exactly the datagrams those sockets receive:
    /// <list type="bullet">
    /// <item>the listener gets an inbound socket policy that wants an SA of ours
    /// (<see cref="SocketGuardPolicy"/>), unless
    /// <paramref name="listenerTakesClear"/> (vpn.plain_l2tp_lan: clear L2TP from the LAN must
    /// reach it; the runner's mark check then drops and counts everything else);</item>
    /// <item>each client's tunnel socket gets the same (KernelL2tp sets it), which also covers
    /// the data the kernel's L2TP takes from it;</item>
    /// <item>the inbound guard policy, and any inbound bypass, leave the database.</item>
    /// </list>
    /// Why: while the database holds any inbound policy, the kernel looks up every packet the
    /// box receives in it (each TCP segment of each client's transfer, once PPP has handed it to
    /// pppN); a socket's policy is looked at only for that socket's datagrams. In the lab one
    /// session's iperf3 went from a median of 218 to 255 Mbit/s (best 266 to 341) without the
    /// inbound policy. Transport-mode ESP needs no inbound policy to be accepted; outbound, the
    /// guard and the clients' policies stay. Null when done, else why the database policy stays.
    /// </summary>
    public string? MoveInboundGuardToSockets(MarkedL2tpSocket listener, bool listenerTakesClear)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (!listenerTakesClear)
        {
            try { listener.SetInboundPolicy(SocketGuardPolicy()); }
            catch (SocketException e) { return $"the kernel refused the 1701 listener's policy: {e.Message}"; }
        }
        try
        {
            foreach (var bypass in _bypasses.Where(b => b.Direction == XfrmPolicyDirection.In).ToList())
            {
                TryDelete(() => _xfrm.DeletePolicy(bypass));
                _bypasses.Remove(bypass);
            }
            TryDelete(() => _xfrm.DeletePolicy(InboundGuard));
        }
        catch (NetlinkException e) { return $"the kernel refused to delete the inbound guard policy: {e.Message}"; }
        _inboundGuardPolicy = false;
        return null;
    }

    /// <summary>
    /// The inbound socket policy of the 1701 listener and of each client's kernel L2TP tunnel
    /// socket: UDP to 1701 only through an ESP transport SA of ours, so clear L2TP with a
    /// client's addresses and ports never reaches its tunnel. Any of our SAs (reqid 0), not
    /// only the client's: a second client behind the same NAT has the same addresses and ports
    /// after decryption, its datagrams land on the first one's tunnel socket, and the kernel
    /// passes them up to us with that client's mark (the leeway the listener's mark check gives).
    /// </summary>
    public static byte[] SocketGuardPolicy() => XfrmMessages.SocketPolicy(new XfrmPolicySpec
    {
        Selector = XfrmSelector.AnyL2tpIn(), Direction = XfrmPolicyDirection.In, ReqId = 0,
    });

    public void Install(ChildSaKeys keys)
    {
        if (_byInboundSpi.ContainsKey(keys.InboundSpi))
            throw new EspDatapathException($"inbound SPI {keys.InboundSpi:x8} is already installed");
        uint reqId = _carriers.Acquire(keys.Peer, out bool newClient);
        var inbound = SaSpec(keys, reqId, inbound: true);
        var outbound = SaSpec(keys, reqId, inbound: false);
        try
        {
            _xfrm.AddSa(inbound);
            try { AddWithOffloadFallback(outbound); }
            catch { TryDelete(() => _xfrm.DeleteSa(inbound.Destination, inbound.Spi)); throw; }
            if (newClient)
            {
                try { _xfrm.AddPolicy(OutPolicy(keys, reqId)); }
                catch
                {
                    TryDelete(() => _xfrm.DeleteSa(inbound.Destination, inbound.Spi));
                    TryDelete(() => _xfrm.DeleteSa(outbound.Destination, outbound.Spi));
                    throw;
                }
            }
        }
        catch (NetlinkException e)
        {
            _carriers.Release(keys.Peer);
            throw new EspDatapathException($"the kernel refused the ESP SAs {keys.InboundSpi:x8}/{keys.OutboundSpi:x8}: {e.Message}", e);
        }
        _byInboundSpi[keys.InboundSpi] = keys;
    }

    /// <summary>The client's L2TP leaves through its SAs only when it carries the client's mark.</summary>
    private static XfrmPolicySpec OutPolicy(ChildSaKeys keys, uint reqId) => new()
    {
        Selector = XfrmSelector.L2tpFromLocal(keys.Local.Address, keys.Peer.Address),
        Direction = XfrmPolicyDirection.Out,
        ReqId = reqId,
        Priority = ClientPriority,
        Mark = new XfrmMark(ClientCarriers.Carrier(reqId)),
    };

    /// <summary>The inbound SPI of the pair that holds <paramref name="spi"/> in either direction.</summary>
    public uint? PairOf(uint spi)
    {
        if (_byInboundSpi.ContainsKey(spi)) return spi;
        foreach (var (inbound, keys) in _byInboundSpi)
            if (keys.OutboundSpi == spi) return inbound;
        return null;
    }

    /// <summary>The mark this client's L2TP socket must carry for its packets to be encrypted.</summary>
    public uint? MarkOf(IPEndPoint peer) => _carriers.IdOf(peer) is { } id ? ClientCarriers.Carrier(id) : null;

    public IPEndPoint? PeerOf(uint carrier) => _carriers.PeerOf(carrier);

    public CarrierRelease? Remove(uint inboundSpi)
    {
        if (!_byInboundSpi.Remove(inboundSpi, out var keys)) return null;
        uint reqId = _carriers.IdOf(keys.Peer) ?? 0;
        // ESRCH/ENOENT: the kernel deleted it already (hard expire).
        TryDelete(() => _xfrm.DeleteSa(keys.Local.Address, keys.InboundSpi));
        TryDelete(() => _xfrm.DeleteSa(keys.Peer.Address, keys.OutboundSpi));
        bool last = _carriers.Release(keys.Peer);
        if (last) TryDelete(() => _xfrm.DeletePolicy(OutPolicy(keys, reqId)));
        return new CarrierRelease(ClientCarriers.Carrier(reqId), keys.Peer, last);
    }

    public void ReceiveEsp(ReadOnlySpan<byte> packet) =>
        throw new InvalidOperationException("the kernel datapath takes ESP off the UDP 4500 socket itself");

    /// <summary>Asks the kernel for each inbound SA's counters (status requests only: one netlink
    /// round trip per SA).</summary>
    public EspDatapathCounters Counters()
    {
        long packets = 0;
        var drops = new Dictionary<string, long>(_drops);
        foreach (var keys in _byInboundSpi.Values)
        {
            try
            {
                var c = _xfrm.GetSaCounters(keys.Local.Address, keys.InboundSpi);
                packets += (long)c.Packets;
                Add(drops, "integrity check failed", c.IntegrityFailures);
                Add(drops, "replayed", c.ReplayDrops);
                Add(drops, "outside the replay window", c.ReplayWindowDrops);
            }
            catch (NetlinkException) { /* expired between the lookup and now */ }
        }
        // What the kernel decrypted is what it received intact; the guard policy admits only
        // UDP 1701 from it, and the L2TP layer counts datagrams itself.
        return new EspDatapathCounters(_byInboundSpi.Count, packets, packets, 0, drops);
    }

    public void NoteDrop(string reason) => _drops[reason] = _drops.GetValueOrDefault(reason) + 1;

    private static void Add(Dictionary<string, long> drops, string reason, uint count)
    {
        if (count > 0) drops[reason] = drops.GetValueOrDefault(reason) + count;
    }

    private void AddWithOffloadFallback(XfrmSaSpec spec)
    {
        if (spec.Offload is null) { _xfrm.AddSa(spec); return; }
        try { _xfrm.AddSa(spec); }
        catch (NetlinkException)
        {
            // The NIC offers offload but not for this SA (algorithm, key size): software it is.
            _drops["offload refused, SA in software"] = _drops.GetValueOrDefault("offload refused, SA in software") + 1;
            _xfrm.AddSa(CopyWithoutOffload(spec));
        }
    }

    private XfrmSaSpec SaSpec(ChildSaKeys keys, uint reqId, bool inbound)
    {
        var t = keys.Proposal.Transform;
        byte[] encryption = inbound ? keys.InboundEncryptionKey : keys.OutboundEncryptionKey;
        byte[] integrity = inbound ? keys.InboundIntegrityKey : keys.OutboundIntegrityKey;
        var (cipher, auth, aead) = Algorithms(t, encryption, integrity);
        var local = keys.Local;
        var peer = keys.Peer;
        // The kernel sends a soft expire at 90 % (logged); at the hard limit it deletes the SA
        // and we tell the client. Clients rekey before either.
        ulong hard = keys.LifetimeSeconds;
        var lifetime = hard == 0 ? XfrmLifetime.Unlimited : new XfrmLifetime(SoftSeconds: hard * 9 / 10, HardSeconds: hard);
        return new XfrmSaSpec
        {
            Source = inbound ? peer.Address : local.Address,
            Destination = inbound ? local.Address : peer.Address,
            Spi = inbound ? keys.InboundSpi : keys.OutboundSpi,
            ReqId = reqId,
            Cipher = cipher,
            Integrity = auth,
            Aead = aead,
            Selector = inbound ? XfrmSelector.L2tpToLocal(peer.Address, local.Address) : XfrmSelector.L2tpFromLocal(local.Address, peer.Address),
            Encapsulation = keys.UdpEncapsulated
                ? new XfrmUdpEncap(inbound ? (ushort)peer.Port : (ushort)local.Port, inbound ? (ushort)local.Port : (ushort)peer.Port, keys.PeerOriginalAddress)
                : null,
            Lifetime = lifetime,
            SetMark = new XfrmMark(ClientCarriers.Carrier(reqId)),
            // The kernel refuses offload for UDP-encapsulated SAs; without a NAT a NIC that
            // advertises esp-hw-offload takes the SA, and one that doesn't leaves it in software.
            Offload = !keys.UdpEncapsulated && _offloadInterface is { } ifindex
                ? new XfrmOffload(ifindex, inbound ? XfrmOffloadFlags.Inbound : XfrmOffloadFlags.None)
                : null,
        };
    }

    private static XfrmSaSpec CopyWithoutOffload(XfrmSaSpec s) => new()
    {
        Source = s.Source, Destination = s.Destination, Spi = s.Spi, ReqId = s.ReqId, Cipher = s.Cipher, Integrity = s.Integrity,
        Aead = s.Aead, Selector = s.Selector, Encapsulation = s.Encapsulation, Lifetime = s.Lifetime, SetMark = s.SetMark,
    };

    internal static (XfrmCipher? Cipher, XfrmIntegrity? Integrity, XfrmAead? Aead) Algorithms(EspTransform t, byte[] encryption, byte[] integrity) =>
        t.Cipher switch
        {
            EspCipher.AesGcm16 => (null, null, XfrmAead.Rfc4106AesGcm(encryption, 128)),
            EspCipher.AesCbc => (XfrmCipher.AesCbc(encryption), Integrity(t.Integrity, integrity), null),
            EspCipher.TripleDesCbc => (XfrmCipher.Des3Cbc(encryption), Integrity(t.Integrity, integrity), null),
            _ => throw new EspDatapathException($"no kernel cipher for {t}"),
        };

    private static XfrmIntegrity Integrity(EspIntegrity integrity, byte[] key) => integrity switch
    {
        EspIntegrity.HmacSha1_96 => XfrmIntegrity.HmacSha1_96(key),
        EspIntegrity.HmacSha256_128 => XfrmIntegrity.HmacSha256_128(key),
        EspIntegrity.HmacMd5_96 => new XfrmIntegrity("hmac(md5)", key, 96),
        EspIntegrity.HmacSha384_192 => new XfrmIntegrity("hmac(sha384)", key, 192),
        EspIntegrity.HmacSha512_256 => new XfrmIntegrity("hmac(sha512)", key, 256),
        _ => throw new EspDatapathException($"no kernel integrity algorithm for {integrity}"),
    };

    private static void TryDelete(Action delete)
    {
        try { delete(); }
        catch (NetlinkException e) when (e.Errno is Errno.ENOENT or Errno.ESRCH) { }
    }

    public void Dispose()
    {
        foreach (uint spi in _byInboundSpi.Keys.ToList()) _ = Remove(spi);
        foreach (var guard in _bypasses.Concat(_inboundGuardPolicy ? [InboundGuard, OutboundGuard] : [OutboundGuard]))
        {
            try { TryDelete(() => _xfrm.DeletePolicy(guard)); }
            catch (NetlinkException) { /* stopping anyway */ }
        }
        _xfrm.Dispose();
    }
}
