using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Appliance.Platform.Linux.Netlink;

/// <summary>
/// Byte layouts of the XFRM netlink requests and replies (linux/xfrm.h, 64-bit), with no socket:
/// the builders produce exactly what <c>ip xfrm</c> sends for the same request (see the golden
/// tests), the parsers bound every length and report failure instead of throwing.
/// Integers are host order (little-endian), addresses, SPIs and ports network order.
/// </summary>
public static class XfrmMessages
{
    private const ushort RequestAck = NetlinkHeader.NLM_F_REQUEST | NetlinkHeader.NLM_F_ACK;

    // --- Requests ---------------------------------------------------------------------------

    /// <summary>XFRM_MSG_NEWSA: <c>xfrm_usersa_info</c>, then the algorithms, encapsulation and offload.</summary>
    public static byte[] NewSa(XfrmSaSpec spec, uint sequence)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var b = new NetlinkMessageBuilder(Xfrm.XFRM_MSG_NEWSA, RequestAck, sequence, Xfrm.UserSaInfoSize);
        var info = b.Fixed;
        if (spec.Selector is { } selector)
            WriteSelector(info, selector);
        WriteId(info[56..], spec.Destination, spec.Spi, spec.Protocol);
        WriteAddress(info[80..], spec.Source);
        WriteLifetime(info[96..], spec.Lifetime);
        // curlft (160) and stats (192) stay zero; seq (204) is the ACQUIRE's, 0 here.
        BinaryPrimitives.WriteUInt32LittleEndian(info[208..], spec.ReqId);
        BinaryPrimitives.WriteUInt16LittleEndian(info[212..], Xfrm.AF_INET);
        info[214] = (byte)spec.Mode;
        info[215] = spec.ReplayWindow;
        // flags (216) = 0.

        if (spec.Cipher is { } cipher)
            WriteAlgorithm(b.AddAttribute(Xfrm.XFRMA_ALG_CRYPT, Xfrm.AlgoHeaderSize + cipher.Key.Length), cipher.Name, cipher.Key, null);
        if (spec.Integrity is { } integrity)
            WriteAlgorithm(b.AddAttribute(Xfrm.XFRMA_ALG_AUTH_TRUNC, Xfrm.AlgoAuthHeaderSize + integrity.Key.Length), integrity.Name, integrity.Key, (uint)integrity.TruncationBits);
        if (spec.Aead is { } aead)
            WriteAlgorithm(b.AddAttribute(Xfrm.XFRMA_ALG_AEAD, Xfrm.AlgoAeadHeaderSize + aead.Key.Length), aead.Name, aead.Key, (uint)aead.IcvBits);
        if (spec.Encapsulation is { } encap)
        {
            var e = b.AddAttribute(Xfrm.XFRMA_ENCAP, Xfrm.EncapTmplSize);
            BinaryPrimitives.WriteUInt16LittleEndian(e, Xfrm.UDP_ENCAP_ESPINUDP);
            BinaryPrimitives.WriteUInt16BigEndian(e[2..], encap.SourcePort);
            BinaryPrimitives.WriteUInt16BigEndian(e[4..], encap.DestinationPort);
            if (encap.OriginalAddress is { } oa)
                WriteAddress(e[8..], oa);
        }
        if (spec.Offload is { } offload)
        {
            var o = b.AddAttribute(Xfrm.XFRMA_OFFLOAD_DEV, Xfrm.UserOffloadSize);
            BinaryPrimitives.WriteInt32LittleEndian(o, offload.InterfaceIndex);
            o[4] = (byte)offload.Flags;
        }
        if (spec.SetMark is { } mark)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AddAttribute(Xfrm.XFRMA_SET_MARK, 4), mark.Value);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AddAttribute(Xfrm.XFRMA_SET_MARK_MASK, 4), mark.Mask);
        }
        return b.ToArray();
    }

    /// <summary>XFRM_MSG_DELSA: <c>xfrm_usersa_id</c> and XFRMA_SRCADDR (zero when no source is
    /// given, as <c>ip xfrm state delete</c> sends it; ESP SAs are found by destination and SPI).</summary>
    public static byte[] DeleteSa(IPAddress destination, uint spi, uint sequence, byte protocol = Xfrm.IPPROTO_ESP, IPAddress? source = null) =>
        SaId(Xfrm.XFRM_MSG_DELSA, RequestAck, destination, spi, protocol, source, sequence);

    /// <summary>XFRM_MSG_GETSA: the kernel answers with one XFRM_MSG_NEWSA (or an error), no ACK.</summary>
    public static byte[] GetSa(IPAddress destination, uint spi, uint sequence, byte protocol = Xfrm.IPPROTO_ESP, IPAddress? source = null) =>
        SaId(Xfrm.XFRM_MSG_GETSA, NetlinkHeader.NLM_F_REQUEST, destination, spi, protocol, source, sequence);

    /// <summary>XFRM_MSG_NEWPOLICY: <c>xfrm_userpolicy_info</c> and one XFRMA_TMPL (none when it blocks or bypasses).</summary>
    public static byte[] NewPolicy(XfrmPolicySpec spec, uint sequence)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var b = new NetlinkMessageBuilder(Xfrm.XFRM_MSG_NEWPOLICY, RequestAck, sequence, Xfrm.UserPolicyInfoSize);
        WritePolicyInfo(b.Fixed, spec);
        if (HasTemplate(spec))
            WriteTemplate(b.AddAttribute(Xfrm.XFRMA_TMPL, Xfrm.UserTmplSize), spec);
        // After the template, as iproute2 orders them.
        if (spec.Mark is { } mark)
            WriteMark(b.AddAttribute(Xfrm.XFRMA_MARK, Xfrm.MarkSize), mark);
        return b.ToArray();
    }

    /// <summary>
    /// The value of setsockopt(IPPROTO_IP, IP_XFRM_POLICY): <c>xfrm_userpolicy_info</c> with its
    /// template right behind it (the kernel's xfrm_user compiles it). A socket policy binds only
    /// the socket it is set on, and the kernel checks it only for datagrams delivered to that
    /// socket: nothing else the box receives pays for it, unlike a policy in the database, which
    /// makes the kernel look up every received packet. It has no mark and no priority; inbound or
    /// outbound only.
    /// </summary>
    public static byte[] SocketPolicy(XfrmPolicySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        if (spec.Direction is not (XfrmPolicyDirection.In or XfrmPolicyDirection.Out))
            throw new ArgumentException("a socket policy is inbound or outbound", nameof(spec));
        if (spec.Mark is not null)
            throw new ArgumentException("a socket policy carries no mark", nameof(spec));
        bool template = HasTemplate(spec);
        var value = new byte[Xfrm.UserPolicyInfoSize + (template ? Xfrm.UserTmplSize : 0)];
        WritePolicyInfo(value, spec);
        if (template) WriteTemplate(value.AsSpan(Xfrm.UserPolicyInfoSize), spec);
        return value;
    }

    private static bool HasTemplate(XfrmPolicySpec spec) => !spec.Block && !spec.Bypass;

    private static void WritePolicyInfo(Span<byte> info, XfrmPolicySpec spec)
    {
        WriteSelector(info, spec.Selector);
        WriteLifetime(info[56..], XfrmLifetime.Unlimited);
        // curlft (120) zero.
        BinaryPrimitives.WriteUInt32LittleEndian(info[152..], spec.Priority);
        // index (156) 0: the kernel picks one.
        info[160] = (byte)spec.Direction;
        info[161] = spec.Block ? Xfrm.XFRM_POLICY_BLOCK : Xfrm.XFRM_POLICY_ALLOW;
        // flags (162) 0, share (163) XFRM_SHARE_ANY = 0.
    }

    private static void WriteTemplate(Span<byte> t, XfrmPolicySpec spec)
    {
        if (spec.TemplateDestination is { } tdst)
            WriteAddress(t, tdst);
        // id.spi (16) 0: any SPI.
        t[20] = spec.TemplateProtocol;
        BinaryPrimitives.WriteUInt16LittleEndian(t[24..], Xfrm.AF_INET);
        if (spec.TemplateSource is { } tsrc)
            WriteAddress(t[28..], tsrc);
        BinaryPrimitives.WriteUInt32LittleEndian(t[44..], spec.ReqId);
        t[48] = (byte)spec.Mode;
        // share (49) 0.
        t[50] = spec.Optional ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32LittleEndian(t[52..], uint.MaxValue); // aalgos: any
        BinaryPrimitives.WriteUInt32LittleEndian(t[56..], uint.MaxValue); // ealgos: any
        BinaryPrimitives.WriteUInt32LittleEndian(t[60..], uint.MaxValue); // calgos: any
    }

    /// <summary>XFRM_MSG_DELPOLICY by selector and direction (<c>xfrm_userpolicy_id</c>, index 0).</summary>
    public static byte[] DeletePolicy(XfrmSelector selector, XfrmPolicyDirection direction, uint sequence, XfrmMark? mark = null)
    {
        ArgumentNullException.ThrowIfNull(selector);
        selector.Validate();
        var b = new NetlinkMessageBuilder(Xfrm.XFRM_MSG_DELPOLICY, RequestAck, sequence, Xfrm.UserPolicyIdSize);
        WriteSelector(b.Fixed, selector);
        b.Fixed[60] = (byte)direction;
        if (mark is { } m)
            WriteMark(b.AddAttribute(Xfrm.XFRMA_MARK, Xfrm.MarkSize), m);
        return b.ToArray();
    }

    private static void WriteMark(Span<byte> destination, XfrmMark mark)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, mark.Value);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], mark.Mask);
    }

    private static byte[] SaId(ushort type, ushort flags, IPAddress destination, uint spi, byte protocol, IPAddress? source, uint sequence)
    {
        XfrmAddress.RequireIPv4(destination, nameof(destination));
        if (source is not null)
            XfrmAddress.RequireIPv4(source, nameof(source));
        var b = new NetlinkMessageBuilder(type, flags, sequence, Xfrm.UserSaIdSize);
        var id = b.Fixed;
        WriteAddress(id, destination);
        BinaryPrimitives.WriteUInt32BigEndian(id[16..], spi);
        BinaryPrimitives.WriteUInt16LittleEndian(id[20..], Xfrm.AF_INET);
        id[22] = protocol;
        var src = b.AddAttribute(Xfrm.XFRMA_SRCADDR, Xfrm.AddressSize);
        if (source is not null)
            WriteAddress(src, source);
        return b.ToArray();
    }

    private static void WriteSelector(Span<byte> s, XfrmSelector selector)
    {
        WriteAddress(s, selector.Destination);
        WriteAddress(s[16..], selector.Source);
        BinaryPrimitives.WriteUInt16BigEndian(s[32..], selector.DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(s[34..], selector.DestinationPort == 0 ? (ushort)0 : ushort.MaxValue);
        BinaryPrimitives.WriteUInt16BigEndian(s[36..], selector.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(s[38..], selector.SourcePort == 0 ? (ushort)0 : ushort.MaxValue);
        BinaryPrimitives.WriteUInt16LittleEndian(s[40..], Xfrm.AF_INET);
        s[42] = selector.DestinationPrefix;
        s[43] = selector.SourcePrefix;
        s[44] = selector.Protocol;
        // ifindex (48) and user (52) 0.
    }

    private static void WriteId(Span<byte> id, IPAddress destination, uint spi, byte protocol)
    {
        WriteAddress(id, destination);
        BinaryPrimitives.WriteUInt32BigEndian(id[16..], spi);
        id[20] = protocol;
    }

    private static void WriteLifetime(Span<byte> l, XfrmLifetime lifetime)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(l, lifetime.SoftBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(l[8..], lifetime.HardBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(l[16..], lifetime.SoftPackets);
        BinaryPrimitives.WriteUInt64LittleEndian(l[24..], lifetime.HardPackets);
        BinaryPrimitives.WriteUInt64LittleEndian(l[32..], lifetime.SoftSeconds);
        BinaryPrimitives.WriteUInt64LittleEndian(l[40..], lifetime.HardSeconds);
        BinaryPrimitives.WriteUInt64LittleEndian(l[48..], lifetime.SoftUseSeconds);
        BinaryPrimitives.WriteUInt64LittleEndian(l[56..], lifetime.HardUseSeconds);
    }

    /// <summary><c>xfrm_algo</c> (no <paramref name="extra"/>) or <c>xfrm_algo_auth</c>/<c>xfrm_algo_aead</c>
    /// (<paramref name="extra"/> = truncation or ICV bits): name[64], key length in bits, [extra], key.</summary>
    private static void WriteAlgorithm(Span<byte> a, string name, byte[] key, uint? extra)
    {
        Encoding.ASCII.GetBytes(name, a[..(Xfrm.AlgoNameSize - 1)]);
        BinaryPrimitives.WriteUInt32LittleEndian(a[64..], (uint)key.Length * 8);
        int keyOffset = Xfrm.AlgoHeaderSize;
        if (extra is { } value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(a[68..], value);
            keyOffset = Xfrm.AlgoAuthHeaderSize;
        }
        key.CopyTo(a[keyOffset..]);
    }

    private static void WriteAddress(Span<byte> destination, IPAddress address)
    {
        // xfrm_address_t is 16 bytes; IPv4 takes the first 4, the rest stays zero.
        if (!address.TryWriteBytes(destination[..4], out _))
            throw new ArgumentException($"only IPv4 addresses are supported ({address})");
    }

    // --- Replies and notifications ----------------------------------------------------------

    /// <summary>Reads the <c>xfrm_usersa_info</c> of an XFRM_MSG_NEWSA (the reply to GETSA or a
    /// dump entry); false when the message is not one or is too short.</summary>
    public static bool TryParseSa(NetlinkMessage message, out XfrmSaInfo? sa)
    {
        sa = null;
        if (message.Header.Type != Xfrm.XFRM_MSG_NEWSA && message.Header.Type != Xfrm.XFRM_MSG_UPDSA)
            return false;
        return TryReadSaInfo(message.Payload.Span, out sa);
    }

    /// <summary>Reads an XFRM_MSG_EXPIRE (<c>xfrm_user_expire</c>: the SA, then <c>hard</c>);
    /// false when the message is not one or is too short.</summary>
    public static bool TryParseExpire(NetlinkMessage message, out XfrmExpire? expire)
    {
        expire = null;
        var p = message.Payload.Span;
        if (message.Header.Type != Xfrm.XFRM_MSG_EXPIRE || p.Length < Xfrm.UserSaInfoSize + 1)
            return false;
        if (!TryReadSaInfo(p, out var sa) || sa is null)
            return false;
        expire = new XfrmExpire(sa.Spi, sa.Destination, p[Xfrm.UserSaInfoSize] != 0, sa);
        return true;
    }

    private static bool TryReadSaInfo(ReadOnlySpan<byte> p, out XfrmSaInfo? sa)
    {
        sa = null;
        if (p.Length < Xfrm.UserSaInfoSize)
            return false;
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(p[212..]);
        if (family != Xfrm.AF_INET)
            return false; // IPv6 SAs are not ours to read (the adapter installs IPv4 only).
        var counters = new XfrmSaCounters(
            Bytes: BinaryPrimitives.ReadUInt64LittleEndian(p[160..]),
            Packets: BinaryPrimitives.ReadUInt64LittleEndian(p[168..]),
            AddTime: BinaryPrimitives.ReadUInt64LittleEndian(p[176..]),
            UseTime: BinaryPrimitives.ReadUInt64LittleEndian(p[184..]),
            ReplayWindowDrops: BinaryPrimitives.ReadUInt32LittleEndian(p[192..]),
            ReplayDrops: BinaryPrimitives.ReadUInt32LittleEndian(p[196..]),
            IntegrityFailures: BinaryPrimitives.ReadUInt32LittleEndian(p[200..]));
        sa = new XfrmSaInfo(
            Source: new IPAddress(p.Slice(80, 4)),
            Destination: new IPAddress(p.Slice(56, 4)),
            Spi: BinaryPrimitives.ReadUInt32BigEndian(p[72..]),
            Protocol: p[76],
            ReqId: BinaryPrimitives.ReadUInt32LittleEndian(p[208..]),
            Mode: (XfrmMode)p[214],
            Counters: counters);
        return true;
    }
}
