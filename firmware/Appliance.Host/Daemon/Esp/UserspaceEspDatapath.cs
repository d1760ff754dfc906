using System.Buffers.Binary;
using System.Net;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Esp;
using Appliance.Protocols.Ike.Sa;

namespace Appliance.Host.Daemon.Esp;

/// <summary>
/// The userspace ESP datapath (kernels without esp4): the ESP SA pairs that Quick Modes
/// established, looked up by our inbound SPI. Inbound, ESP-in-UDP from port 4500 or raw ESP (IP
/// protocol 50) is decrypted; a packet that decrypts to UDP for port 1701 is an L2TP datagram
/// that came through an SA, the only way L2TP is accepted, and goes to <see cref="L2tpReceived"/>
/// with its client's carrier id. Outbound, <see cref="TryEncapsulateL2tp"/> wraps an L2TP datagram
/// for a carrier in UDP and ESP with the client's newest pair. Called from the IKE runner's task
/// under its lock.
/// </summary>
internal sealed class UserspaceEspDatapath : IEspDatapath
{
    private const byte ProtocolUdp = 17;
    private const ushort L2tpPort = 1701;
    private const int UdpHeaderLength = 8;

    private sealed record Pair(InboundEspSa In, OutboundEspSa Out, ChildSaKeys Keys, uint Carrier, long Order);

    private readonly ClientCarriers _carriers = new();
    private readonly Dictionary<uint, Pair> _byInboundSpi = [];
    // What each outbound L2TP datagram is encrypted with: the client's newest pair.
    private readonly Dictionary<uint, Pair> _newestByCarrier = [];
    // Each client's pairs (one, or a few around a rekey): a Delete finds the next newest here
    // instead of scanning every SA of every client.
    private readonly Dictionary<uint, List<Pair>> _pairsByCarrier = [];
    private readonly byte[] _plain = new byte[65536];
    private readonly Dictionary<string, long> _drops = new(StringComparer.Ordinal);
    private long _packetsReceived, _packetsDecrypted, _l2tpDatagrams, _packetsEncrypted, _installs;

    public string Name => "userspace";
    public bool WantsEspFromSocket => true;

    /// <summary>Receives each L2TP datagram that came through an SA: (carrier, the client's
    /// address and inner UDP source port, our address and port 1701, the L2TP bytes; the span is
    /// only valid during the call).</summary>
    public L2tpDatagramHandler? L2tpReceived { get; set; }

    public long PacketsEncrypted => _packetsEncrypted;

    public EspDatapathCounters Counters() =>
        new(_byInboundSpi.Count, _packetsReceived, _packetsDecrypted, _l2tpDatagrams, new Dictionary<string, long>(_drops));

    public void Install(ChildSaKeys keys)
    {
        if (_byInboundSpi.ContainsKey(keys.InboundSpi))
            throw new EspDatapathException($"inbound SPI {keys.InboundSpi:x8} is already installed");
        var inbound = new InboundEspSa(new EspSaParameters
        {
            Spi = keys.InboundSpi,
            Transform = keys.Proposal.Transform,
            EncryptionKey = keys.InboundEncryptionKey,
            IntegrityKey = keys.InboundIntegrityKey,
        });
        var outbound = new OutboundEspSa(new EspSaParameters
        {
            Spi = keys.OutboundSpi,
            Transform = keys.Proposal.Transform,
            EncryptionKey = keys.OutboundEncryptionKey,
            IntegrityKey = keys.OutboundIntegrityKey,
        }, SystemRandomSource.Instance);
        uint id = _carriers.Acquire(keys.Peer, out _);
        var pair = new Pair(inbound, outbound, keys, ClientCarriers.Carrier(id), ++_installs);
        _byInboundSpi[keys.InboundSpi] = pair;
        _newestByCarrier[pair.Carrier] = pair;
        if (!_pairsByCarrier.TryGetValue(pair.Carrier, out var pairs)) _pairsByCarrier[pair.Carrier] = pairs = new List<Pair>(1);
        pairs.Add(pair);
    }

    public CarrierRelease? Remove(uint inboundSpi)
    {
        if (!_byInboundSpi.Remove(inboundSpi, out var pair)) return null;
        pair.In.Dispose();
        pair.Out.Dispose();
        Pair? next = null;
        if (_pairsByCarrier.TryGetValue(pair.Carrier, out var pairs))
        {
            pairs.Remove(pair);
            if (pairs.Count == 0) _pairsByCarrier.Remove(pair.Carrier);
            foreach (var p in pairs) if (next is null || p.Order > next.Order) next = p;
        }
        if (_newestByCarrier.TryGetValue(pair.Carrier, out var newest) && newest == pair)
        {
            // The client's newest pair went (its only one, or a rekeyed client deleting the new one).
            if (next is null) _newestByCarrier.Remove(pair.Carrier);
            else _newestByCarrier[pair.Carrier] = next;
        }
        return new CarrierRelease(pair.Carrier, pair.Keys.Peer, _carriers.Release(pair.Keys.Peer));
    }

    public IPEndPoint? PeerOf(uint carrier) => _carriers.PeerOf(carrier);

    /// <summary>The carrier id of a client, as the L2TP layer knows it.</summary>
    public uint? CarrierOf(IPEndPoint peer) => _carriers.IdOf(peer) is { } id ? ClientCarriers.Carrier(id) : null;

    /// <summary>One ESP packet: the payload of a UDP 4500 datagram (RFC 3948) or of an IP
    /// protocol 50 packet, from <paramref name="from"/> (for raw ESP, port 0).</summary>
    public void ReceiveEsp(ReadOnlySpan<byte> packet) => ReceiveEsp(packet, null);

    public void ReceiveEsp(ReadOnlySpan<byte> packet, IPEndPoint? from)
    {
        _packetsReceived++;
        if (!EspPacket.TryReadSpi(packet, out uint spi)) { Drop("truncated"); return; }
        if (!_byInboundSpi.TryGetValue(spi, out var pair)) { Drop("unknown SPI"); return; }
        // An SA is bound to its client's address: a packet for it from elsewhere is not its.
        if (from is not null && !from.Address.Equals(pair.Keys.Peer.Address)) { Drop("SPI from another address"); return; }
        var result = pair.In.TryDecrypt(packet, _plain, out int length, out byte nextHeader);
        if (result != EspDecryptResult.Ok) { Drop(result.ToString()); return; }
        _packetsDecrypted++;
        // Transport mode: the payload is the transport header and data; the SA's selector is UDP
        // to our port 1701, so anything else that decrypts is dropped (the policy check).
        if (nextHeader != ProtocolUdp || length < UdpHeaderLength) { Drop("not UDP"); return; }
        var udp = _plain.AsSpan(0, length);
        ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(udp);
        ushort destinationPort = BinaryPrimitives.ReadUInt16BigEndian(udp[2..]);
        ushort udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        if (destinationPort != L2tpPort) { Drop("not to port 1701"); return; }
        if (udpLength < UdpHeaderLength || udpLength > length) { Drop("bad UDP length"); return; }
        _l2tpDatagrams++;
        L2tpReceived?.Invoke(pair.Carrier, new IPEndPoint(pair.Keys.Peer.Address, sourcePort), new IPEndPoint(pair.Keys.Local.Address, L2tpPort),
            udp[UdpHeaderLength..udpLength]);
    }

    /// <summary>Wraps an L2TP datagram for the client behind <paramref name="carrier"/>: UDP from
    /// our port 1701 to the client's <paramref name="peerPort"/> (checksum 0, allowed for UDP over
    /// IPv4: ESP's integrity check covers it), encrypted with the client's newest pair.
    /// <paramref name="to"/> is where the ESP packet goes, <paramref name="udpEncapsulated"/>
    /// whether on UDP 4500 or as IP protocol 50.</summary>
    public bool TryEncapsulateL2tp(uint carrier, ushort peerPort, ReadOnlySpan<byte> l2tp,
        out byte[] packet, out IPEndPoint to, out IPEndPoint from, out bool udpEncapsulated)
    {
        packet = []; to = from = new IPEndPoint(IPAddress.Any, 0); udpEncapsulated = false;
        if (!_newestByCarrier.TryGetValue(carrier, out var newest)) { Drop("no SA for the carrier"); return false; }
        if (l2tp.Length > ushort.MaxValue - UdpHeaderLength - 64) { Drop("datagram too large"); return false; }
        var udp = new byte[UdpHeaderLength + l2tp.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, L2tpPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), peerPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        l2tp.CopyTo(udp.AsSpan(UdpHeaderLength));
        if (newest.Out.IsSequenceExhausted) { Drop("sequence numbers exhausted"); return false; }
        packet = new byte[newest.Out.GetPacketLength(udp.Length)];
        int written = newest.Out.Encrypt(udp, ProtocolUdp, packet);
        if (written != packet.Length) Array.Resize(ref packet, written);
        to = newest.Keys.Peer;
        from = newest.Keys.Local;
        udpEncapsulated = newest.Keys.UdpEncapsulated;
        _packetsEncrypted++;
        return true;
    }

    private void Drop(string reason) => _drops[reason] = _drops.GetValueOrDefault(reason) + 1;

    public void NoteDrop(string reason) => Drop(reason);

    public void Dispose()
    {
        foreach (var pair in _byInboundSpi.Values) { pair.In.Dispose(); pair.Out.Dispose(); }
        _byInboundSpi.Clear();
        _newestByCarrier.Clear();
        _pairsByCarrier.Clear();
    }
}

/// <summary>An L2TP datagram that came through an SA (see <see cref="UserspaceEspDatapath.L2tpReceived"/>).</summary>
internal delegate void L2tpDatagramHandler(uint carrier, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> l2tp);
