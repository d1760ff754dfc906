using System.Buffers.Binary;
using Appliance.Protocols.L2tp;

namespace Appliance.Bench.L2tp;

/// <summary>
/// The LAC's half of one tunnel's reliable control channel (RFC 2661 §5.8): Ns on what we send,
/// Nr for what we took, messages kept until the peer's Nr covers them and sent again after 1, 2,
/// 4... seconds (at most <see cref="MaxTries"/> sends), a ZLB to acknowledge what we have no
/// answer for. Messages are built by the firmware's <see cref="L2tpMessageWriter"/>; only the
/// sequence numbers are written here.
/// </summary>
internal sealed class ControlChannel
{
    public const int MaxTries = 6;
    private readonly List<Outstanding> _outstanding = [];
    private ushort _ns, _nr;

    public ushort PeerWindow { get; set; } = 4;
    public int Retransmits { get; private set; }
    public bool GaveUp { get; private set; }
    public bool AllAcknowledged => _outstanding.Count == 0;

    /// <summary>What a received control message is to the channel.</summary>
    public enum Arrival { New, Duplicate, OutOfOrder }

    /// <summary>Stamps Ns/Nr on a message and keeps it until acknowledged. A LAC with one call
    /// never has more than two messages outstanding, inside any window a server offers.</summary>
    public byte[] Send(byte[] message, DateTimeOffset now)
    {
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(L2tpHeader.NsOffset), _ns);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(L2tpHeader.NrOffset), _nr);
        _outstanding.Add(new Outstanding(message, _ns, now + TimeSpan.FromSeconds(1), 1));
        _ns++;
        return message;
    }

    /// <summary>A header-only control message acknowledging everything taken so far.</summary>
    public byte[] Zlb(ushort peerTunnelId)
    {
        var zlb = new byte[L2tpHeader.ControlHeaderSize];
        L2tpHeader.WriteControl(zlb, L2tpHeader.ControlHeaderSize, peerTunnelId, 0, _ns, _nr);
        return zlb;
    }

    public Arrival Receive(L2tpHeader header)
    {
        // The peer's Nr acknowledges every message of ours before it (16-bit serial arithmetic).
        _outstanding.RemoveAll(o => (short)(header.Nr - o.Ns) > 0);
        if (header.IsZeroLengthBody) return Arrival.Duplicate; // nothing to take; no ack needed for a ZLB
        if (header.Ns == _nr)
        {
            _nr++;
            return Arrival.New;
        }
        return (short)(header.Ns - _nr) < 0 ? Arrival.Duplicate : Arrival.OutOfOrder;
    }

    /// <summary>Messages due again, with the current Nr; <see cref="GaveUp"/> after the last try.</summary>
    public List<byte[]> Due(DateTimeOffset now)
    {
        var due = new List<byte[]>();
        for (int i = 0; i < _outstanding.Count; i++)
        {
            var o = _outstanding[i];
            if (o.NextSend > now) continue;
            if (o.Tries >= MaxTries) { GaveUp = true; continue; }
            BinaryPrimitives.WriteUInt16BigEndian(o.Message.AsSpan(L2tpHeader.NrOffset), _nr);
            _outstanding[i] = o with { NextSend = now + TimeSpan.FromSeconds(1 << Math.Min(o.Tries, 3)), Tries = o.Tries + 1 };
            Retransmits++;
            due.Add(o.Message);
        }
        return due;
    }

    /// <summary>The messages still unacknowledged: type (the first AVP's value), Ns and sends.</summary>
    public string Describe() => _outstanding.Count == 0 ? "none" : string.Join(", ", _outstanding.Select(o =>
        $"{(o.Message.Length >= L2tpHeader.ControlHeaderSize + 8 ? ((L2tpMessageType)BinaryPrimitives.ReadUInt16BigEndian(o.Message.AsSpan(L2tpHeader.ControlHeaderSize + 6))).ToString() : "?")}"
        + $" Ns={o.Ns} sends={o.Tries}"));

    public DateTimeOffset? NextTimer => _outstanding.Count == 0 ? null : _outstanding.Min(o => o.NextSend);

    private readonly record struct Outstanding(byte[] Message, ushort Ns, DateTimeOffset NextSend, int Tries);
}
