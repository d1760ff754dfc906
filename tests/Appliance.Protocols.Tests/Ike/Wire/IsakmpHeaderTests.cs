using Appliance.Protocols.Ike.Wire;
using static Appliance.Protocols.Tests.Ike.Wire.WireHex;

namespace Appliance.Protocols.Tests.Ike.Wire;

public class IsakmpHeaderTests
{
    private const string HeaderHex = "0102030405060708 1112131415161718 08 10 20 01 a1b2c3d4 0000001c";

    [Fact]
    public void Decodes_every_field_big_endian()
    {
        Assert.Equal(DecodeError.None, IsakmpHeader.TryDecode(Parse(HeaderHex), out var header));
        Assert.Equal(new IsakmpHeader(0x0102030405060708, 0x1112131415161718, PayloadType.Hash, 0x10, ExchangeType.QuickMode, IsakmpFlags.Encryption, 0xa1b2c3d4, 28), header);
        Assert.True(header.IsEncrypted);
        Assert.Equal(0, header.MinorVersion);
    }

    [Fact]
    public void Encodes_exactly_what_it_holds()
    {
        var header = new IsakmpHeader(0x0102030405060708, 0x1112131415161718, PayloadType.Hash, 0x10, ExchangeType.QuickMode, IsakmpFlags.Encryption, 0xa1b2c3d4, 28);
        var buffer = new byte[IsakmpHeader.Size];
        header.Encode(buffer);
        Assert.Equal(Norm(HeaderHex), Of(buffer));
    }

    [Fact]
    public void Encode_into_short_buffer_throws()
    {
        var header = Samples.MainModeHeader;
        Assert.Throws<ArgumentException>(() => header.Encode(new byte[27]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(27)]
    public void Fewer_than_28_bytes_is_truncated(int length)
    {
        Assert.Equal(DecodeError.Truncated, IsakmpHeader.TryDecode(Parse(HeaderHex).AsSpan(0, length), out var header));
        Assert.Equal(default, header);
    }

    [Theory]
    [InlineData(0x20)] // IKEv2 on the same port
    [InlineData(0x00)]
    [InlineData(0xf0)]
    public void Major_version_other_than_1_is_rejected(byte version)
    {
        byte[] data = Parse(HeaderHex);
        data[17] = version;
        Assert.Equal(DecodeError.BadVersion, IsakmpHeader.TryDecode(data, out _));
    }

    [Fact]
    public void Minor_version_is_carried_not_judged()
    {
        byte[] data = Parse(HeaderHex);
        data[17] = 0x11;
        Assert.Equal(DecodeError.None, IsakmpHeader.TryDecode(data, out var header));
        Assert.Equal(1, header.MinorVersion);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(27u)]
    public void Length_below_header_size_is_bad_length(uint length)
    {
        byte[] data = Parse(HeaderHex);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(24), length);
        Assert.Equal(DecodeError.BadLength, IsakmpHeader.TryDecode(data, out _));
    }

    [Theory]
    [InlineData(29u)]
    [InlineData(uint.MaxValue)]
    public void Length_beyond_the_datagram_is_truncated(uint length)
    {
        byte[] data = Parse(HeaderHex);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(24), length);
        Assert.Equal(DecodeError.Truncated, IsakmpHeader.TryDecode(data, out _));
    }

    [Fact]
    public void Bytes_after_length_are_ignored()
    {
        byte[] data = [.. Parse(Samples.IkeScanMainModeHex), 0xde, 0xad];
        Assert.Equal(DecodeError.None, IkeMessage.TryDecode(data, out var header, out var payloads));
        Assert.Equal(164u, header.Length);
        Assert.Equal(3, payloads.Count);
    }
}
