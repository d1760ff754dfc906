using System.Net;
using System.Net.Sockets;

namespace Appliance.Platform.Linux.Netlink;

/// <summary>
/// <c>struct xfrm_selector</c>: which packets an SA or a policy applies to. IPv4 only. A port of
/// 0 means any port (mask 0); prefixes default to the full address.
/// </summary>
public sealed record XfrmSelector(
    IPAddress Source,
    IPAddress Destination,
    byte Protocol = Xfrm.IPPROTO_UDP,
    ushort SourcePort = 0,
    ushort DestinationPort = 0,
    byte SourcePrefix = 32,
    byte DestinationPrefix = 32)
{
    public const ushort L2tpPort = 1701;

    /// <summary>Our L2TP traffic to a client: UDP from <paramref name="local"/>:1701 to any port of <paramref name="remote"/>.</summary>
    public static XfrmSelector L2tpFromLocal(IPAddress local, IPAddress remote) => new(local, remote, Xfrm.IPPROTO_UDP, SourcePort: L2tpPort);

    /// <summary>A client's L2TP traffic to us: UDP from any port of <paramref name="remote"/> to <paramref name="local"/>:1701.</summary>
    public static XfrmSelector L2tpToLocal(IPAddress remote, IPAddress local) => new(remote, local, Xfrm.IPPROTO_UDP, DestinationPort: L2tpPort);

    /// <summary>Every L2TP datagram to any local address on port 1701, from anywhere.</summary>
    public static XfrmSelector AnyL2tpIn() => new(IPAddress.Any, IPAddress.Any, Xfrm.IPPROTO_UDP, DestinationPort: L2tpPort, SourcePrefix: 0, DestinationPrefix: 0);

    /// <summary>Every L2TP datagram sent from local port 1701, to anywhere.</summary>
    public static XfrmSelector AnyL2tpOut() => new(IPAddress.Any, IPAddress.Any, Xfrm.IPPROTO_UDP, SourcePort: L2tpPort, SourcePrefix: 0, DestinationPrefix: 0);

    internal void Validate()
    {
        XfrmAddress.RequireIPv4(Source, nameof(Source));
        XfrmAddress.RequireIPv4(Destination, nameof(Destination));
        if (SourcePrefix > 32 || DestinationPrefix > 32)
            throw new ArgumentException("an IPv4 selector prefix is at most 32 bits");
    }

    public override string ToString() =>
        $"{Source}/{SourcePrefix}{Port(SourcePort)} -> {Destination}/{DestinationPrefix}{Port(DestinationPort)} proto {Protocol}";

    private static string Port(ushort port) => port == 0 ? "" : $":{port}";
}

/// <summary>An encryption algorithm for <c>XFRMA_ALG_CRYPT</c> (<c>struct xfrm_algo</c>).</summary>
public sealed class XfrmCipher
{
    public XfrmCipher(string name, ReadOnlySpan<byte> key)
    {
        XfrmAlgorithmName.Validate(name);
        Name = name;
        Key = key.ToArray();
    }

    public string Name { get; }
    internal byte[] Key { get; }
    public int KeyBits => Key.Length * 8;

    /// <summary><c>cbc(aes)</c> with a 128-, 192- or 256-bit key.</summary>
    public static XfrmCipher AesCbc(ReadOnlySpan<byte> key) =>
        key.Length is 16 or 24 or 32 ? new("cbc(aes)", key) : throw new ArgumentException("AES keys are 16, 24 or 32 bytes", nameof(key));

    /// <summary><c>cbc(des3_ede)</c> with a 192-bit key.</summary>
    public static XfrmCipher Des3Cbc(ReadOnlySpan<byte> key) =>
        key.Length == 24 ? new("cbc(des3_ede)", key) : throw new ArgumentException("3DES keys are 24 bytes", nameof(key));

    /// <summary>The algorithm and key length only: keys never reach logs.</summary>
    public override string ToString() => $"{Name} ({KeyBits}-bit key)";
}

/// <summary>An integrity algorithm for <c>XFRMA_ALG_AUTH_TRUNC</c> (<c>struct xfrm_algo_auth</c>).</summary>
public sealed class XfrmIntegrity
{
    public XfrmIntegrity(string name, ReadOnlySpan<byte> key, int truncationBits)
    {
        XfrmAlgorithmName.Validate(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(truncationBits);
        Name = name;
        Key = key.ToArray();
        TruncationBits = truncationBits;
    }

    public string Name { get; }
    internal byte[] Key { get; }
    public int KeyBits => Key.Length * 8;
    public int TruncationBits { get; }

    /// <summary><c>hmac(sha1)</c> truncated to 96 bits (RFC 2404).</summary>
    public static XfrmIntegrity HmacSha1_96(ReadOnlySpan<byte> key) =>
        key.Length == 20 ? new("hmac(sha1)", key, 96) : throw new ArgumentException("HMAC-SHA1 keys are 20 bytes", nameof(key));

    /// <summary><c>hmac(sha256)</c> truncated to 128 bits (RFC 4868).</summary>
    public static XfrmIntegrity HmacSha256_128(ReadOnlySpan<byte> key) =>
        key.Length == 32 ? new("hmac(sha256)", key, 128) : throw new ArgumentException("HMAC-SHA256 keys are 32 bytes", nameof(key));

    public override string ToString() => $"{Name} ({KeyBits}-bit key, {TruncationBits}-bit ICV)";
}

/// <summary>A combined-mode algorithm for <c>XFRMA_ALG_AEAD</c> (<c>struct xfrm_algo_aead</c>).</summary>
public sealed class XfrmAead
{
    public XfrmAead(string name, ReadOnlySpan<byte> key, int icvBits)
    {
        XfrmAlgorithmName.Validate(name);
        if (icvBits is not (64 or 96 or 128))
            throw new ArgumentOutOfRangeException(nameof(icvBits), "an ESP AEAD ICV is 64, 96 or 128 bits");
        Name = name;
        Key = key.ToArray();
        IcvBits = icvBits;
    }

    public string Name { get; }
    internal byte[] Key { get; }
    public int KeyBits => Key.Length * 8;
    public int IcvBits { get; }

    /// <summary><c>rfc4106(gcm(aes))</c>: the AES key followed by the 4-byte salt (RFC 4106 §8.1),
    /// so 20, 28 or 36 bytes.</summary>
    public static XfrmAead Rfc4106AesGcm(ReadOnlySpan<byte> keyWithSalt, int icvBits = 128) =>
        keyWithSalt.Length is 20 or 28 or 36
            ? new("rfc4106(gcm(aes))", keyWithSalt, icvBits)
            : throw new ArgumentException("rfc4106(gcm(aes)) keys are 16, 24 or 32 bytes plus a 4-byte salt", nameof(keyWithSalt));

    public override string ToString() => $"{Name} ({KeyBits}-bit key incl. salt, {IcvBits}-bit ICV)";
}

/// <summary>ESP-in-UDP encapsulation (<c>struct xfrm_encap_tmpl</c>, UDP_ENCAP_ESPINUDP): ports
/// of the outer UDP header, and the peer's original address (NAT-OA) when it is behind a NAT.</summary>
public sealed record XfrmUdpEncap(ushort SourcePort = 4500, ushort DestinationPort = 4500, IPAddress? OriginalAddress = null);

/// <summary><c>struct xfrm_offload</c>: hand ESP to a NIC (<c>XFRMA_OFFLOAD_DEV</c>).</summary>
public sealed record XfrmOffload(int InterfaceIndex, XfrmOffloadFlags Flags);

/// <summary><c>struct xfrm_mark</c>: a policy applies only to packets whose mark, masked, equals
/// the value; on an SA as XFRMA_SET_MARK it is the mark given to the packets the SA processed.</summary>
public readonly record struct XfrmMark(uint Value, uint Mask = uint.MaxValue)
{
    public override string ToString() => $"mark 0x{Value:x}/0x{Mask:x}";
}

/// <summary><c>struct xfrm_lifetime_cfg</c>: soft limits make the kernel send a soft expire
/// (time to rekey), hard limits delete the SA. Bytes and packets default to XFRM_INF, seconds to
/// 0 (no limit).</summary>
public sealed record XfrmLifetime(
    ulong SoftBytes = Xfrm.Infinite,
    ulong HardBytes = Xfrm.Infinite,
    ulong SoftPackets = Xfrm.Infinite,
    ulong HardPackets = Xfrm.Infinite,
    ulong SoftSeconds = 0,
    ulong HardSeconds = 0,
    ulong SoftUseSeconds = 0,
    ulong HardUseSeconds = 0)
{
    public static readonly XfrmLifetime Unlimited = new();
}

/// <summary>A transport- (or tunnel-) mode SA to install with <see cref="XfrmSocket.AddSa"/>.</summary>
public sealed class XfrmSaSpec
{
    public required IPAddress Source { get; init; }
    public required IPAddress Destination { get; init; }
    /// <summary>The SPI in host order (written big-endian).</summary>
    public required uint Spi { get; init; }
    public uint ReqId { get; init; }
    public byte Protocol { get; init; } = Xfrm.IPPROTO_ESP;
    public XfrmMode Mode { get; init; } = XfrmMode.Transport;
    public XfrmCipher? Cipher { get; init; }
    public XfrmIntegrity? Integrity { get; init; }
    public XfrmAead? Aead { get; init; }
    /// <summary>Which packets the SA may carry; null leaves the selector empty (any), as
    /// <c>ip xfrm state add</c> without <c>sel</c> does.</summary>
    public XfrmSelector? Selector { get; init; }
    public XfrmUdpEncap? Encapsulation { get; init; }
    public XfrmLifetime Lifetime { get; init; } = XfrmLifetime.Unlimited;
    /// <summary>Anti-replay window in packets (at most 32 without ESN).</summary>
    public byte ReplayWindow { get; init; } = 32;
    public XfrmOffload? Offload { get; init; }
    /// <summary>XFRMA_SET_MARK/_MASK: the mark the kernel puts on packets this SA decrypted
    /// (inbound) or encrypted (outbound), so that the host can tell which SA carried a packet.</summary>
    public XfrmMark? SetMark { get; init; }

    internal void Validate()
    {
        XfrmAddress.RequireIPv4(Source, nameof(Source));
        XfrmAddress.RequireIPv4(Destination, nameof(Destination));
        Selector?.Validate();
        if (Encapsulation?.OriginalAddress is { } oa)
            XfrmAddress.RequireIPv4(oa, "OriginalAddress");
        if (Protocol != Xfrm.IPPROTO_ESP)
            throw new ArgumentException("only ESP SAs are supported");
        if (Aead is not null && (Cipher is not null || Integrity is not null))
            throw new ArgumentException("an SA has either an AEAD algorithm or a cipher with an integrity algorithm, not both");
        if (Aead is null && (Cipher is null || Integrity is null))
            throw new ArgumentException("an ESP SA needs an AEAD algorithm, or a cipher and an integrity algorithm");
        if (ReplayWindow > 32)
            throw new ArgumentException("replay windows above 32 need ESN (XFRMA_REPLAY_ESN_VAL), which is not supported");
    }

    public override string ToString()
    {
        string algorithms = Aead is not null ? Aead.ToString() : $"{Cipher} + {Integrity}";
        string encap = Encapsulation is null ? "" : $" encap espinudp {Encapsulation.SourcePort}->{Encapsulation.DestinationPort}" +
            (Encapsulation.OriginalAddress is null ? "" : $" oa {Encapsulation.OriginalAddress}");
        return $"esp spi 0x{Spi:x8} {Source} -> {Destination} reqid {ReqId} mode {Mode.ToString().ToLowerInvariant()} " +
            $"{algorithms}{encap}" + (Selector is null ? "" : $" sel {Selector}") +
            (Offload is null ? "" : $" offload ifindex {Offload.InterfaceIndex} {Offload.Flags}") +
            (SetMark is { } mark ? $" output-{mark}" : "");
    }
}

/// <summary>A policy to install with <see cref="XfrmSocket.AddPolicy"/>: packets matching the
/// selector in this direction must go through (or, inbound, must have come through) an SA
/// matching the template (ESP, the mode, the reqid).</summary>
public sealed class XfrmPolicySpec
{
    public required XfrmSelector Selector { get; init; }
    public required XfrmPolicyDirection Direction { get; init; }
    public required uint ReqId { get; init; }
    public uint Priority { get; init; }
    public XfrmMode Mode { get; init; } = XfrmMode.Transport;
    public byte TemplateProtocol { get; init; } = Xfrm.IPPROTO_ESP;
    /// <summary>Tunnel endpoints; transport mode leaves them empty (the packet's own addresses).</summary>
    public IPAddress? TemplateSource { get; init; }
    public IPAddress? TemplateDestination { get; init; }
    /// <summary><c>level use</c> instead of <c>level required</c>.</summary>
    public bool Optional { get; init; }
    /// <summary>Only packets with this mark match (XFRMA_MARK); part of the policy's identity, so
    /// policies with equal selectors and different marks coexist.</summary>
    public XfrmMark? Mark { get; init; }
    /// <summary>Drop matching packets instead of transforming them (no template is sent).</summary>
    public bool Block { get; init; }
    /// <summary>Let matching packets pass without any SA (action allow, no template): a narrow
    /// hole in a wider guard policy, placed by giving it a lower priority number.</summary>
    public bool Bypass { get; init; }

    /// <summary>Outbound L2TP to a client: our address:1701 → the client's address (any port), through ESP transport.</summary>
    public static XfrmPolicySpec L2tpOut(IPAddress local, IPAddress remote, uint reqId, uint priority = 0) => new()
    {
        Selector = XfrmSelector.L2tpFromLocal(local, remote),
        Direction = XfrmPolicyDirection.Out,
        ReqId = reqId,
        Priority = priority,
    };

    /// <summary>Inbound L2TP from a client: the client's address (any port) → our address:1701, which must have come through ESP transport.</summary>
    public static XfrmPolicySpec L2tpIn(IPAddress remote, IPAddress local, uint reqId, uint priority = 0) => new()
    {
        Selector = XfrmSelector.L2tpToLocal(remote, local),
        Direction = XfrmPolicyDirection.In,
        ReqId = reqId,
        Priority = priority,
    };

    internal void Validate()
    {
        Selector.Validate();
        if (Block && Bypass)
            throw new ArgumentException("a policy either blocks or lets packets pass, not both");
        if (TemplateSource is not null)
            XfrmAddress.RequireIPv4(TemplateSource, nameof(TemplateSource));
        if (TemplateDestination is not null)
            XfrmAddress.RequireIPv4(TemplateDestination, nameof(TemplateDestination));
    }

    public override string ToString() =>
        $"policy dir {Direction.ToString().ToLowerInvariant()} sel {Selector} priority {Priority}" + (Mark is { } m ? $" {m}" : "") +
        (Block ? " action block" : Bypass ? " action allow" : $" tmpl proto {TemplateProtocol} reqid {ReqId} mode {Mode.ToString().ToLowerInvariant()}");
}

/// <summary>What <c>XFRM_MSG_GETSA</c> says about an SA's use (<c>curlft</c> and <c>stats</c>).</summary>
public readonly record struct XfrmSaCounters(
    ulong Bytes,
    ulong Packets,
    ulong AddTime,
    ulong UseTime,
    uint ReplayWindowDrops,
    uint ReplayDrops,
    uint IntegrityFailures);

/// <summary>An SA as the kernel reports it (reply to GETSA, body of an expire).</summary>
public sealed record XfrmSaInfo(
    IPAddress Source,
    IPAddress Destination,
    uint Spi,
    byte Protocol,
    uint ReqId,
    XfrmMode Mode,
    XfrmSaCounters Counters);

/// <summary>An <c>XFRM_MSG_EXPIRE</c> notification: a soft limit was reached (rekey now) or a hard
/// one (the kernel has deleted the SA).</summary>
public sealed record XfrmExpire(uint Spi, IPAddress Destination, bool Hard, XfrmSaInfo Sa)
{
    public override string ToString() =>
        $"expire {(Hard ? "hard" : "soft")} spi 0x{Spi:x8} dst {Destination} src {Sa.Source} reqid {Sa.ReqId} bytes {Sa.Counters.Bytes} packets {Sa.Counters.Packets}";
}

internal static class XfrmAddress
{
    public static void RequireIPv4(IPAddress address, string name)
    {
        ArgumentNullException.ThrowIfNull(address, name);
        if (address.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"{name}: only IPv4 addresses are supported ({address})", name);
    }
}

internal static class XfrmAlgorithmName
{
    public static void Validate(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        // struct xfrm_algo's name is char[64], NUL-terminated.
        if (name.Length >= Xfrm.AlgoNameSize || name.Any(c => c is < ' ' or > '~'))
            throw new ArgumentException($"not a kernel crypto algorithm name: {name}", nameof(name));
    }
}
