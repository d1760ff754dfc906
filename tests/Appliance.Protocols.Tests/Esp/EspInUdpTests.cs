using System.Buffers.Binary;
using Appliance.Protocols.Esp;
using static Appliance.Protocols.Tests.Crypto.CryptoHex;

namespace Appliance.Protocols.Tests.Esp;

public class EspInUdpTests
{
    // RFC 3948 §2: keepalive 0xFF; non-ESP marker (four zero bytes) + IKE; otherwise ESP with a
    // non-zero SPI and at least SPI + sequence number.
    [Theory]
    [InlineData("ff", EspInUdpKind.NatKeepalive)]
    [InlineData("", EspInUdpKind.Invalid)]
    [InlineData("00", EspInUdpKind.Invalid)]
    [InlineData("fe", EspInUdpKind.Invalid)]
    [InlineData("ffff", EspInUdpKind.Invalid)]
    [InlineData("000000", EspInUdpKind.Invalid)]
    [InlineData("00000000", EspInUdpKind.Ike)]
    [InlineData("00000000 0102030405060708 0000000000000000 21202208 00000000 0000001c", EspInUdpKind.Ike)]
    [InlineData("00000001 00000001", EspInUdpKind.Esp)]
    [InlineData("c0ffee01 00000000 aabbccdd", EspInUdpKind.Esp)]
    [InlineData("00000001 000000", EspInUdpKind.Invalid)]
    [InlineData("ff000000", EspInUdpKind.Invalid)]
    [InlineData("ff000000 00000001", EspInUdpKind.Esp)]
    public void Classifies_port_4500_payloads(string hex, EspInUdpKind expected)
    {
        Assert.Equal(expected, EspInUdp.Classify(Parse(hex)));
    }

    [Fact]
    public void The_IKE_message_follows_the_marker()
    {
        byte[] payload = Parse("00000000 0102030405060708");
        Assert.Equal("0102030405060708", Of(EspInUdp.GetIkeMessage(payload)));
        Assert.Throws<ArgumentException>(() => EspInUdp.GetIkeMessage(Parse("00000001 00000001")));
    }

    [Fact]
    public void Spi_and_sequence_number_read_without_checks()
    {
        Assert.True(EspPacket.TryReadSpi(Parse("c0ffee01"), out uint spi));
        Assert.Equal(0xC0FFEE01u, spi);
        Assert.False(EspPacket.TryReadSpi(Parse("c0ffee"), out _));
        Assert.True(EspPacket.TryReadSequenceNumber(Parse("c0ffee01 0000002a"), out uint seq));
        Assert.Equal(42u, seq);
        Assert.False(EspPacket.TryReadSequenceNumber(Parse("c0ffee01 000000"), out _));
    }

    // Real IPv4/UDP packets carried as plaintext in draft-mcgrew-gcm-test-01 Test Cases #2, #8
    // and #10 (a DNS query and two odd-length datagrams); their UDP checksums are the senders'.
    public static TheoryData<string, string, string> CapturedDatagrams => new()
    {
        { "c0a80102", "c0a80101", "0a980035002a2343b2d001000001000000000000037369700963796265726369747902646b0000010001" },
        { "c3fb1d10", "c2b1d326", "c02831ce0035dd7b800302d500004e20001e8c18d75b81dc91baa0476b91b924b280389d92c963bac046ec959b6266c04722b14923" },
        { "c3fb1d10", "c2b1d326", "c02831ce0035cb458003025b000001e0001e8c18d65759d52284a0352c71475c8880391c764d6e5ee0496b325ae270c03899493915" },
    };

    [Theory]
    [MemberData(nameof(CapturedDatagrams))]
    public void Checksum_matches_real_senders(string source, string destination, string datagram)
    {
        byte[] udp = Parse(datagram);
        ushort field = BinaryPrimitives.ReadUInt16BigEndian(udp.AsSpan(6));
        Assert.Equal(field, UdpChecksum.Compute(Parse(source), Parse(destination), udp));
        Assert.True(UdpChecksum.IsValid(Parse(source), Parse(destination), udp));

        udp[^1] ^= 0x10;
        Assert.False(UdpChecksum.IsValid(Parse(source), Parse(destination), udp));
    }

    // RFC 3948 §3.1.2: after decapsulation behind a NAT the peer's checksum covers its private
    // address; recompute it for the addresses seen on the wire, or zero it.
    [Theory]
    [MemberData(nameof(CapturedDatagrams))]
    public void Inner_checksum_is_recomputed_for_the_outer_addresses(string source, string destination, string datagram)
    {
        byte[] udp = Parse(datagram);
        byte[] natSource = Parse("cb007105");      // 203.0.113.5, the NAT's public address
        byte[] ourAddress = Parse(destination);
        Assert.False(UdpChecksum.IsValid(natSource, ourAddress, udp));

        Assert.True(EspInUdp.TryRecomputeInnerUdpChecksum(udp, natSource, ourAddress));
        Assert.True(UdpChecksum.IsValid(natSource, ourAddress, udp));
        Assert.False(UdpChecksum.IsValid(Parse(source), ourAddress, udp));
        Assert.Equal(ReferenceChecksum(natSource, ourAddress, udp), BinaryPrimitives.ReadUInt16BigEndian(udp.AsSpan(6)));

        Assert.True(EspInUdp.TryZeroInnerUdpChecksum(udp));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(udp.AsSpan(6)));
        Assert.True(UdpChecksum.IsValid(natSource, ourAddress, udp)); // IPv4: zero means "none"
    }

    [Fact]
    public void IPv6_pseudo_header_matches_the_RFC_8200_layout()
    {
        byte[] source = Parse("20010db8000000000000000000000001");
        byte[] destination = Parse("20010db800000000000000000000beef");
        byte[] udp = [.. Parse("06a506a5 0000 0000"), .. EspTestSa.Pattern(301, 0x42)];
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);

        Assert.True(EspInUdp.TryRecomputeInnerUdpChecksum(udp, source, destination));
        Assert.Equal(ReferenceChecksum(source, destination, udp), BinaryPrimitives.ReadUInt16BigEndian(udp.AsSpan(6)));
        Assert.True(UdpChecksum.IsValid(source, destination, udp));

        EspInUdp.TryZeroInnerUdpChecksum(udp);
        Assert.False(UdpChecksum.IsValid(source, destination, udp)); // IPv6 has no "no checksum"
    }

    [Fact]
    public void A_computed_zero_is_sent_as_all_ones()
    {
        byte[] source = Parse("0a000001");
        byte[] destination = Parse("0a000002");
        byte[] udp = Parse("1234 06a5 000c 0000 0000 0000");

        // Choose the last data word so that the one's complement sum is 0xffff.
        ushort sum = (ushort)~ReferenceChecksum(source, destination, udp);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(10), (ushort)~sum);
        Assert.Equal(0xFFFF, UdpChecksum.Compute(source, destination, udp));
        Assert.True(EspInUdp.TryRecomputeInnerUdpChecksum(udp, source, destination));
        Assert.True(UdpChecksum.IsValid(source, destination, udp));
    }

    [Fact]
    public void Malformed_datagrams_are_refused()
    {
        byte[] v4 = Parse("0a000001");
        Assert.False(EspInUdp.TryZeroInnerUdpChecksum(new byte[7]));
        Assert.False(EspInUdp.TryRecomputeInnerUdpChecksum(new byte[7], v4, v4));
        Assert.False(EspInUdp.TryRecomputeInnerUdpChecksum(Parse("1234 06a5 0010 0000 0000"), v4, v4)); // length field 16, 10 bytes
        Assert.False(UdpChecksum.IsValid(v4, v4, new byte[3]));
        Assert.Throws<ArgumentException>(() => UdpChecksum.Compute(v4, new byte[16], new byte[8]));
        Assert.Throws<ArgumentException>(() => UdpChecksum.Compute(new byte[5], new byte[5], new byte[8]));
        Assert.Throws<ArgumentException>(() => UdpChecksum.Compute(v4, v4, new byte[7]));
    }

    // Byte-by-byte RFC 768 / RFC 8200 §8.1: the pseudo-header laid out as bytes, then the datagram
    // with a zero checksum field, summed as 16-bit words.
    private static ushort ReferenceChecksum(byte[] source, byte[] destination, byte[] udp)
    {
        var pseudo = new List<byte>();
        pseudo.AddRange(source);
        pseudo.AddRange(destination);
        if (source.Length == 4)
        {
            pseudo.AddRange(new byte[] { 0, 17, (byte)(udp.Length >> 8), (byte)udp.Length });
        }
        else
        {
            pseudo.AddRange(new byte[] { (byte)(udp.Length >> 24), (byte)(udp.Length >> 16), (byte)(udp.Length >> 8), (byte)udp.Length, 0, 0, 0, 17 });
        }

        byte[] zeroed = (byte[])udp.Clone();
        zeroed[6] = 0;
        zeroed[7] = 0;
        pseudo.AddRange(zeroed);
        if (pseudo.Count % 2 == 1)
        {
            pseudo.Add(0);
        }

        uint sum = 0;
        for (int i = 0; i < pseudo.Count; i += 2)
        {
            sum += (uint)((pseudo[i] << 8) | pseudo[i + 1]);
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        ushort checksum = (ushort)~sum;
        return checksum == 0 ? (ushort)0xFFFF : checksum;
    }
}
