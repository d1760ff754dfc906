using System.Buffers.Binary;
using System.Net;
using System.Text;
using Appliance.Platform.Linux.Netlink;

namespace Appliance.Platform.Linux.Tests.Netlink;

/// <summary>
/// ACKs and errors as the kernel sent them (GoldenCaptures), expire notifications and GETSA
/// replies built from the struct layout, and the promise that no reply, however cut or bent,
/// makes a parser throw.
/// </summary>
public class XfrmReplyParsingTests
{
    private static NetlinkMessage Single(string hex) => Assert.Single(NetlinkMessage.Split(Convert.FromHexString(hex)));

    [Fact]
    public void A_kernel_ack_is_an_ack_for_the_request_it_echoes()
    {
        var message = Single(GoldenCaptures.AckPolicyAdd);
        Assert.True(NetlinkError.TryParse(message, out var ack));
        Assert.True(ack.IsAck);
        Assert.Equal(Xfrm.XFRM_MSG_NEWPOLICY, ack.Request.Type);
        Assert.Equal(message.Header.Sequence, ack.Request.Sequence);
        Assert.Null(ack.KernelMessage);
    }

    [Theory]
    [InlineData(nameof(GoldenCaptures.ErrorPolicyExists), 17, "EEXIST", Xfrm.XFRM_MSG_NEWPOLICY)]
    [InlineData(nameof(GoldenCaptures.ErrorSaMissing), 3, "ESRCH", Xfrm.XFRM_MSG_DELSA)]
    public void A_kernel_error_carries_its_errno_and_the_request_type(string capture, int errno, string name, ushort requestType)
    {
        string hex = capture == nameof(GoldenCaptures.ErrorPolicyExists) ? GoldenCaptures.ErrorPolicyExists : GoldenCaptures.ErrorSaMissing;
        Assert.True(NetlinkError.TryParse(Single(hex), out var error));
        Assert.False(error.IsAck);
        Assert.Equal(errno, error.Errno);
        Assert.Equal(name, Errno.Name(error.Errno));
        Assert.Equal(requestType, error.Request.Type);
    }

    [Fact]
    public void The_extended_ack_text_is_found_after_an_echoed_request()
    {
        // Captured where the kernel has no esp4: ip does not cap ACKs, so the 424-byte request
        // is echoed in full before the NLMSGERR_ATTR_MSG attribute.
        Assert.True(NetlinkError.TryParse(Single(GoldenCaptures.ErrorNoEsp), out var error));
        Assert.Equal(Errno.EPROTONOSUPPORT, error.Errno);
        Assert.Equal(424u, error.Request.Length);
        Assert.Equal("Requested type not found", error.KernelMessage);
        var exception = new NetlinkException(Xfrm.MessageName(error.Request.Type), error.Errno, error.KernelMessage);
        Assert.Equal("XFRM_MSG_NEWSA: EPROTONOSUPPORT (" + Errno.Describe(93) + "): Requested type not found", exception.Message);
        Assert.Equal("EPROTONOSUPPORT", exception.ErrnoName);
    }

    [Fact]
    public void The_extended_ack_text_is_found_after_a_capped_echo()
    {
        // What the adapter's own socket gets (NETLINK_CAP_ACK on): only the request's header.
        var bytes = CappedError(-22, "Invalid selector");
        Assert.True(NetlinkError.TryParse(Single(Convert.ToHexString(bytes)), out var error));
        Assert.Equal(Errno.EINVAL, error.Errno);
        Assert.Equal("Invalid selector", error.KernelMessage);
    }

    internal static byte[] CappedError(int code, string text)
    {
        var t = Encoding.ASCII.GetBytes(text + "\0");
        int attr = 4 + t.Length;
        var b = new byte[16 + 20 + NetlinkMessage.Align(attr)];
        new NetlinkHeader((uint)b.Length, NetlinkHeader.NLMSG_ERROR, NetlinkHeader.NLM_F_CAPPED | NetlinkHeader.NLM_F_ACK_TLVS, 7, 1234).Write(b);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(16), code);
        new NetlinkHeader(300, Xfrm.XFRM_MSG_NEWSA, 5, 7, 0).Write(b.AsSpan(20));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(36), (ushort)attr);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(38), 1); // NLMSGERR_ATTR_MSG
        t.CopyTo(b.AsSpan(40));
        return b;
    }

    /// <summary>An XFRM_MSG_EXPIRE laid out by hand from linux/xfrm.h: nlmsghdr, then
    /// xfrm_user_expire = xfrm_usersa_info (224 bytes) + __u8 hard + 7 bytes of padding.</summary>
    internal static byte[] Expire(uint spi, string destination, string source, uint reqId, ulong bytes, ulong packets, bool hard)
    {
        var b = new byte[16 + Xfrm.UserExpireSize];
        new NetlinkHeader((uint)b.Length, Xfrm.XFRM_MSG_EXPIRE, 0, 0, 0).Write(b);
        var info = b.AsSpan(16);
        IPAddress.Parse(destination).TryWriteBytes(info[56..], out _);  // id.daddr
        BinaryPrimitives.WriteUInt32BigEndian(info[72..], spi);          // id.spi
        info[76] = Xfrm.IPPROTO_ESP;                                     // id.proto
        IPAddress.Parse(source).TryWriteBytes(info[80..], out _);        // saddr
        BinaryPrimitives.WriteUInt64LittleEndian(info[160..], bytes);    // curlft.bytes
        BinaryPrimitives.WriteUInt64LittleEndian(info[168..], packets);  // curlft.packets
        BinaryPrimitives.WriteUInt32LittleEndian(info[208..], reqId);    // reqid
        BinaryPrimitives.WriteUInt16LittleEndian(info[212..], 2);        // family AF_INET
        info[215] = 32;                                                  // replay_window
        info[224] = hard ? (byte)1 : (byte)0;                            // hard
        return b;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_expire_notification_names_the_sa_and_says_whether_it_is_hard(bool hard)
    {
        var bytes = Expire(0xc0ffee01, "10.77.0.2", "203.0.113.1", 7, 1_234_567, 890, hard);
        var message = Assert.Single(NetlinkMessage.Split(bytes));
        Assert.True(XfrmMessages.TryParseExpire(message, out var expire));
        Assert.Equal(0xc0ffee01u, expire!.Spi);
        Assert.Equal(IPAddress.Parse("10.77.0.2"), expire.Destination);
        Assert.Equal(hard, expire.Hard);
        Assert.Equal(IPAddress.Parse("203.0.113.1"), expire.Sa.Source);
        Assert.Equal(7u, expire.Sa.ReqId);
        Assert.Equal(Xfrm.IPPROTO_ESP, expire.Sa.Protocol);
        Assert.Equal((1_234_567ul, 890ul), (expire.Sa.Counters.Bytes, expire.Sa.Counters.Packets));
    }

    [Fact]
    public void The_kernels_own_expire_notifications_parse_soft_then_hard()
    {
        // Captured in the lab (Debian's 6.1 kernel): soft at 1 s, hard at 2 s.
        foreach (var (bytes, hard) in new[] { (LabCaptures.ExpireSoft, false), (LabCaptures.ExpireHard, true) })
        {
            var message = Assert.Single(NetlinkMessage.Split(bytes));
            Assert.Equal((0u, 0u), (message.Header.Sequence, message.Header.PortId)); // a notification, not an answer
            Assert.True(XfrmMessages.TryParseExpire(message, out var expire));
            Assert.Equal(0x00007001u, expire!.Spi);
            Assert.Equal(IPAddress.Parse("198.51.100.2"), expire.Destination);
            Assert.Equal(IPAddress.Parse("198.51.100.1"), expire.Sa.Source);
            Assert.Equal((99u, XfrmMode.Transport, hard), (expire.Sa.ReqId, expire.Sa.Mode, expire.Hard));
        }
    }

    [Fact]
    public void The_kernels_own_getsa_reply_gives_the_counters_ip_showed()
    {
        // Captured in the lab after one 35-byte datagram; `ip -s xfrm state` said "35(bytes), 1(packets)".
        var message = Assert.Single(NetlinkMessage.Split(LabCaptures.GetSaReply));
        Assert.True(XfrmMessages.TryParseSa(message, out var sa));
        Assert.Equal((0x00001001u, 2u, Xfrm.IPPROTO_ESP), (sa!.Spi, sa.ReqId, sa.Protocol));
        Assert.Equal(IPAddress.Parse("198.51.100.2"), sa.Source);
        Assert.Equal(IPAddress.Parse("198.51.100.1"), sa.Destination);
        Assert.Equal((35ul, 1ul, 0u, 0u, 0u), (sa.Counters.Bytes, sa.Counters.Packets, sa.Counters.ReplayWindowDrops, sa.Counters.ReplayDrops, sa.Counters.IntegrityFailures));
        Assert.True(sa.Counters.AddTime > 0 && sa.Counters.UseTime >= sa.Counters.AddTime);
        // The reply carries the algorithms as attributes after the 224-byte struct.
        var types = NetlinkAttribute.Parse(message.Payload[Xfrm.UserSaInfoSize..]).Select(a => a.Type).ToList();
        Assert.Contains(Xfrm.XFRMA_ALG_AUTH_TRUNC, types);
        Assert.Contains(Xfrm.XFRMA_ALG_CRYPT, types);
    }

    [Fact]
    public void Expire_with_trailing_attributes_from_a_newer_kernel_still_parses()
    {
        var bytes = Expire(0x1234, "203.0.113.1", "10.77.0.2", 8, 0, 0, true);
        var longer = new byte[bytes.Length + 8];
        bytes.CopyTo(longer, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(longer, (uint)longer.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(longer.AsSpan(bytes.Length), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(longer.AsSpan(bytes.Length + 2), 33); // XFRMA_SA_DIR
        Assert.True(XfrmMessages.TryParseExpire(Assert.Single(NetlinkMessage.Split(longer)), out var expire));
        Assert.True(expire!.Hard);
    }

    [Fact]
    public void Another_message_type_is_not_an_expire()
    {
        var bytes = Expire(1, "10.0.0.1", "10.0.0.2", 1, 0, 0, true);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), Xfrm.XFRM_MSG_NEWSA);
        Assert.False(XfrmMessages.TryParseExpire(Assert.Single(NetlinkMessage.Split(bytes)), out _));
    }

    [Fact]
    public void A_getsa_reply_gives_the_sa_and_its_counters()
    {
        // The kernel answers GETSA with an XFRM_MSG_NEWSA laid out like our own NEWSA request,
        // with curlft and stats filled in.
        var spec = new XfrmSaSpec
        {
            Source = XfrmRequestGoldenTests.Box,
            Destination = XfrmRequestGoldenTests.Client,
            Spi = 0xc0ffee01,
            ReqId = 7,
            Cipher = XfrmCipher.AesCbc(XfrmRequestGoldenTests.K16),
            Integrity = XfrmIntegrity.HmacSha1_96(XfrmRequestGoldenTests.K20),
            Selector = XfrmSelector.L2tpFromLocal(XfrmRequestGoldenTests.Box, XfrmRequestGoldenTests.Client),
        };
        var reply = XfrmMessages.NewSa(spec, 9);
        var info = reply.AsSpan(16);
        BinaryPrimitives.WriteUInt64LittleEndian(info[160..], 84);   // curlft.bytes
        BinaryPrimitives.WriteUInt64LittleEndian(info[168..], 1);    // curlft.packets
        BinaryPrimitives.WriteUInt64LittleEndian(info[176..], 1_700_000_000); // add_time
        BinaryPrimitives.WriteUInt32LittleEndian(info[200..], 3);    // stats.integrity_failed
        Assert.True(XfrmMessages.TryParseSa(Assert.Single(NetlinkMessage.Split(reply)), out var sa));
        Assert.Equal((0xc0ffee01u, 7u, XfrmMode.Transport), (sa!.Spi, sa.ReqId, sa.Mode));
        Assert.Equal(XfrmRequestGoldenTests.Box, sa.Source);
        Assert.Equal(XfrmRequestGoldenTests.Client, sa.Destination);
        Assert.Equal(new XfrmSaCounters(84, 1, 1_700_000_000, 0, 0, 0, 3), sa.Counters);
    }

    [Fact]
    public void Several_messages_in_one_datagram_are_split_on_aligned_boundaries()
    {
        var first = CappedError(-17, "x"); // 16 + 20 + align(4 + 2) = 44 bytes
        var second = Convert.FromHexString(GoldenCaptures.AckPolicyAdd);
        var datagram = first.Concat(second).ToArray();
        var messages = NetlinkMessage.Split(datagram, out bool malformed);
        Assert.False(malformed);
        Assert.Equal(2, messages.Count);
        Assert.True(NetlinkError.TryParse(messages[1], out var ack) && ack.IsAck);
    }

    public static TheoryData<string> Replies() => new()
    {
        GoldenCaptures.AckPolicyAdd,
        GoldenCaptures.ErrorPolicyExists,
        GoldenCaptures.ErrorSaMissing,
        GoldenCaptures.ErrorNoEsp,
        Convert.ToHexString(CappedError(-22, "Invalid selector")),
        Convert.ToHexString(Expire(0xc0ffee01, "10.77.0.2", "203.0.113.1", 7, 100, 1, true)),
        Convert.ToHexString(LabCaptures.ExpireSoft),
        Convert.ToHexString(LabCaptures.ExpireHard),
        Convert.ToHexString(LabCaptures.GetSaReply),
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void A_truncated_reply_never_throws_and_is_never_taken_for_a_whole_one(string hex)
    {
        var whole = Convert.FromHexString(hex);
        for (int length = 0; length < whole.Length; length++)
        {
            var cut = whole.AsMemory(0, length);
            var messages = NetlinkMessage.Split(cut, out bool malformed);
            // nlmsg_len still says the whole length, so a cut message is dropped, not shortened.
            Assert.Empty(messages);
            Assert.Equal(length > 0, malformed);
            // The payload parsers on their own, with the header claiming only what is there.
            var header = NetlinkHeader.Read(whole);
            if (length >= 16)
            {
                var shortened = new NetlinkMessage(header with { Length = (uint)length }, whole.AsMemory(16, length - 16));
                ParseEverything(shortened);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Replies))]
    public void A_reply_with_bent_lengths_never_throws(string hex)
    {
        var whole = Convert.FromHexString(hex);
        var random = new Random(1701);
        for (int round = 0; round < 2000; round++)
        {
            var bent = (byte[])whole.Clone();
            // Lengths are where parsers go wrong: nlmsg_len, the echoed header's, the attributes'.
            int[] lengthFields = [0, 20, 36, Math.Max(0, bent.Length - 8), random.Next(bent.Length)];
            int at = lengthFields[random.Next(lengthFields.Length)];
            if (at + 2 <= bent.Length)
                BinaryPrimitives.WriteUInt16LittleEndian(bent.AsSpan(at), (ushort)random.Next(0, 2) switch { 0 => (ushort)random.Next(0, 40), _ => (ushort)random.Next() });
            bent[random.Next(bent.Length)] = (byte)random.Next(256);
            foreach (var message in NetlinkMessage.Split(bent))
                ParseEverything(message);
        }
    }

    [Fact]
    public void Random_datagrams_never_throw()
    {
        var random = new Random(4500);
        for (int round = 0; round < 5000; round++)
        {
            var bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);
            if (bytes.Length >= 16 && random.Next(2) == 0)
            {
                // Plausible headers reach the inner parsers more often.
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)random.Next(16, bytes.Length + 1));
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), (ushort)random.Next(0, 0x20));
            }
            foreach (var message in NetlinkMessage.Split(bytes))
                ParseEverything(message);
        }
    }

    private static void ParseEverything(NetlinkMessage message)
    {
        // The message type is set to each parser's own, so every one of them reads the payload.
        foreach (ushort type in new[] { NetlinkHeader.NLMSG_ERROR, Xfrm.XFRM_MSG_EXPIRE, Xfrm.XFRM_MSG_NEWSA, message.Header.Type })
        {
            foreach (ushort flags in new ushort[] { message.Header.Flags, NetlinkHeader.NLM_F_ACK_TLVS, NetlinkHeader.NLM_F_ACK_TLVS | NetlinkHeader.NLM_F_CAPPED })
            {
                var m = message with { Header = message.Header with { Type = type, Flags = flags } };
                _ = NetlinkError.TryParse(m, out _);
                _ = XfrmMessages.TryParseExpire(m, out _);
                _ = XfrmMessages.TryParseSa(m, out _);
                _ = NetlinkAttribute.Parse(m.Payload);
            }
        }
    }

    [Fact]
    public void Attributes_stop_at_the_first_impossible_length()
    {
        byte[] data =
        [
            8, 0, 1, 0, 0xaa, 0xbb, 0xcc, 0xdd, // type 1, 4 bytes
            5, 0, 2, 0, 0xee, 0, 0, 0,          // type 2, 1 byte + 3 padding
            2, 0, 3, 0,                          // length 2 < 4: stop
            8, 0, 4, 0, 0, 0, 0, 0,
        ];
        var attributes = NetlinkAttribute.Parse(data);
        Assert.Equal([(ushort)1, (ushort)2], attributes.Select(a => a.Type));
        Assert.Equal(1, attributes[1].Value.Length);
        Assert.Single(NetlinkAttribute.Parse(data.AsMemory(0, 10))); // second one runs past the end
    }

    [Fact]
    public void A_message_shorter_than_its_header_or_longer_than_the_datagram_ends_the_split()
    {
        var ack = Convert.FromHexString(GoldenCaptures.AckPolicyAdd);
        var datagram = ack.Concat(ack).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(datagram.AsSpan(ack.Length), 8); // second: nlmsg_len 8 < 16
        var messages = NetlinkMessage.Split(datagram, out bool malformed);
        Assert.Single(messages);
        Assert.True(malformed);
        BinaryPrimitives.WriteUInt32LittleEndian(datagram.AsSpan(ack.Length), uint.MaxValue);
        Assert.Single(NetlinkMessage.Split(datagram));
    }

    [Fact]
    public void An_error_whose_echoed_request_claims_more_than_was_sent_has_no_text_but_still_an_errno()
    {
        var bytes = Convert.FromHexString(GoldenCaptures.ErrorNoEsp);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), uint.MaxValue); // echoed nlmsg_len
        Assert.True(NetlinkError.TryParse(Assert.Single(NetlinkMessage.Split(bytes)), out var error));
        Assert.Equal(Errno.EPROTONOSUPPORT, error.Errno);
        Assert.Null(error.KernelMessage);
    }

    [Fact]
    public void Kernel_text_is_cut_at_nul_and_keeps_only_printable_ascii()
    {
        var bytes = CappedError(-22, "bad\u0007selector");
        Assert.True(NetlinkError.TryParse(Assert.Single(NetlinkMessage.Split(bytes)), out var error));
        Assert.Equal("bad?selector", error.KernelMessage);
    }
}
