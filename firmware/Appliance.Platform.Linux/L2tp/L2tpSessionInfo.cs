namespace Appliance.Platform.Linux.L2tp;

/// <summary>A kernel L2TP session's counters (L2TP_ATTR_STATS): what the datapath carried and dropped.</summary>
public readonly record struct L2tpSessionStats(
    ulong TxPackets,
    ulong TxBytes,
    ulong TxErrors,
    ulong RxPackets,
    ulong RxBytes,
    ulong RxErrors,
    ulong RxSequenceDiscards,
    ulong RxOutOfSequence,
    ulong RxCookieDiscards,
    ulong RxInvalid)
{
    public override string ToString() =>
        $"tx_packets={TxPackets} tx_bytes={TxBytes} tx_errors={TxErrors} rx_packets={RxPackets} rx_bytes={RxBytes} " +
        $"rx_errors={RxErrors} rx_seq_discards={RxSequenceDiscards} rx_oos={RxOutOfSequence} rx_invalid={RxInvalid}";
}

/// <summary>A kernel L2TP session as L2TP_CMD_SESSION_GET reports it.</summary>
public sealed record L2tpSessionInfo(
    uint TunnelId,
    uint SessionId,
    uint PeerTunnelId,
    uint PeerSessionId,
    ushort PseudowireType,
    bool LnsMode,
    string? InterfaceName,
    L2tpSessionStats Stats);
