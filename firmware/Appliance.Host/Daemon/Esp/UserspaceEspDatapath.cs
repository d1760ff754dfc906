using System.Buffers.Binary;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Esp;
using Appliance.Protocols.Ike.Sa;

namespace Appliance.Host.Daemon.Esp;

/// <summary>
/// The userspace ESP datapath (kernels without esp4): the ESP SA pairs that Quick Modes
/// established, looked up by our inbound SPI, and the decryption of ESP-in-UDP packets arriving on
/// port 4500. A packet that decrypts to UDP for port 1701 is an L2TP datagram that came through an
/// SA: the only way L2TP is accepted. (Handing it to the L2TP server comes with that issue; for now
/// it is counted.) Called from the IKE runner's single task, so no locking.
/// </summary>
internal sealed class UserspaceEspDatapath : IEspDatapath
{
    private const byte ProtocolUdp = 17;
    private const ushort L2tpPort = 1701;
    private readonly Dictionary<uint, (InboundEspSa In, OutboundEspSa Out, ChildSaKeys Keys)> _byInboundSpi = [];
    private readonly byte[] _plain = new byte[65536];

    private readonly Dictionary<string, long> _drops = new(StringComparer.Ordinal);
    private long _packetsReceived, _packetsDecrypted, _l2tpDatagrams;

    public string Name => "userspace";
    public bool WantsEspFromSocket => true;

    public EspDatapathCounters Counters() =>
        new(_byInboundSpi.Count, _packetsReceived, _packetsDecrypted, _l2tpDatagrams, new Dictionary<string, long>(_drops));

    public void Install(ChildSaKeys keys)
    {
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
        if (_byInboundSpi.Remove(keys.InboundSpi, out var old)) { old.In.Dispose(); old.Out.Dispose(); }
        _byInboundSpi[keys.InboundSpi] = (inbound, outbound, keys);
    }

    public void Remove(uint inboundSpi)
    {
        if (_byInboundSpi.Remove(inboundSpi, out var pair)) { pair.In.Dispose(); pair.Out.Dispose(); }
    }

    /// <summary>One ESP packet from UDP 4500 (RFC 3948), as the socket adapter sorted it.</summary>
    public void ReceiveEsp(ReadOnlySpan<byte> packet)
    {
        _packetsReceived++;
        if (!EspPacket.TryReadSpi(packet, out uint spi)) { Drop("truncated"); return; }
        if (!_byInboundSpi.TryGetValue(spi, out var pair)) { Drop("unknown SPI"); return; }
        var result = pair.In.TryDecrypt(packet, _plain, out int length, out byte nextHeader);
        if (result != EspDecryptResult.Ok) { Drop(result.ToString()); return; }
        _packetsDecrypted++;
        // Transport mode: the payload is the transport header and data; the SA's selector is UDP
        // to our port 1701, so anything else that decrypts is dropped (the policy check).
        if (nextHeader != ProtocolUdp || length < 8) { Drop("not UDP"); return; }
        ushort destinationPort = BinaryPrimitives.ReadUInt16BigEndian(_plain.AsSpan(2, 2));
        if (destinationPort != L2tpPort) { Drop("not to port 1701"); return; }
        _l2tpDatagrams++;
    }

    private void Drop(string reason) => _drops[reason] = _drops.GetValueOrDefault(reason) + 1;

    public void Dispose()
    {
        foreach (var pair in _byInboundSpi.Values) { pair.In.Dispose(); pair.Out.Dispose(); }
        _byInboundSpi.Clear();
    }
}
