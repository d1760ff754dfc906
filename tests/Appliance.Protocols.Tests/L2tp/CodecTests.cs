using System.Buffers.Binary;
using Appliance.Protocols.L2tp;
using static Appliance.Protocols.Tests.L2tp.TestWire;

namespace Appliance.Protocols.Tests.L2tp;

/// <summary>Header, AVP and data codecs against messages built by the test encoder.</summary>
public class CodecTests
{
    private static readonly byte[] Ppp = Convert.FromHexString("FF030021450000");

    [Theory]
    [InlineData(false, false, null, 6)]
    [InlineData(true, false, null, 8)]
    [InlineData(false, true, null, 10)]
    [InlineData(false, false, 0, 8)]
    [InlineData(false, false, 5, 13)]
    [InlineData(true, true, 3, 17)]
    public void Data_header_with_any_optional_field_finds_the_frame(bool length, bool sequence, int? offset, int headerSize)
    {
        byte[] message = Data(0x1234, 0xabcd, Ppp, length, sequence, offset);
        Assert.Equal(headerSize + Ppp.Length, message.Length);
        Assert.True(L2tpDataCodec.TryParseData(message, out ushort tunnel, out ushort session, out var range));
        Assert.Equal(((ushort)0x1234, (ushort)0xabcd), (tunnel, session));
        Assert.Equal(Convert.ToHexString(Ppp), Convert.ToHexString(message[range]));

        Assert.Equal(L2tpHeaderError.None, L2tpHeader.TryDecode(message, out var header));
        Assert.Equal((false, length, sequence, offset is not null), (header.IsControl, header.HasLength, header.HasSequence, header.HasOffset));
        if (sequence) Assert.Equal((ushort)0x1234, header.Ns);
    }

    [Fact]
    public void Data_with_length_ignores_trailing_bytes_and_refuses_a_longer_length()
    {
        byte[] message = [.. Data(1, 2, Ppp, length: true), 0xAA, 0xBB];
        Assert.True(L2tpDataCodec.TryParseData(message, out _, out _, out var range));
        Assert.Equal(Convert.ToHexString(Ppp), Convert.ToHexString(message[range]));

        byte[] tooLong = Data(1, 2, Ppp, length: true);
        BinaryPrimitives.WriteUInt16BigEndian(tooLong.AsSpan(2), (ushort)(tooLong.Length + 1));
        Assert.False(L2tpDataCodec.TryParseData(tooLong, out _, out _, out _));
        Assert.Equal(L2tpHeaderError.BadLength, L2tpHeader.TryDecode(tooLong, out _));

        byte[] tooShort = Data(1, 2, Ppp, length: true);
        BinaryPrimitives.WriteUInt16BigEndian(tooShort.AsSpan(2), 7);
        Assert.Equal(L2tpHeaderError.BadLength, L2tpHeader.TryDecode(tooShort, out _));

        byte[] offsetPastEnd = Data(1, 2, Ppp, offset: 2);
        BinaryPrimitives.WriteUInt16BigEndian(offsetPastEnd.AsSpan(6), 200);
        Assert.Equal(L2tpHeaderError.OffsetBeyondEnd, L2tpHeader.TryDecode(offsetPastEnd, out _));

        Assert.False(L2tpDataCodec.TryParseData(Data(1, 2, []), out _, out _, out _));
        Assert.False(L2tpDataCodec.TryParseData(ClientSccrqs.Android.Bytes, out _, out _, out _));
    }

    [Fact]
    public void Encode_data_writes_the_six_byte_header()
    {
        Span<byte> buffer = stackalloc byte[32];
        int written = L2tpDataCodec.EncodeData(0x0102, 0x0304, Ppp, buffer);
        Assert.Equal("0002" + "0102" + "0304" + Convert.ToHexString(Ppp), Convert.ToHexString(buffer[..written]));
        Assert.Throws<ArgumentException>(() => L2tpDataCodec.EncodeData(1, 2, Ppp, new byte[Ppp.Length + 5]));
    }

    [Theory]
    [InlineData(0x0001, L2tpHeaderError.L2fVersion)]
    [InlineData(0x0003, L2tpHeaderError.L2tpv3Version)]
    [InlineData(0x0000, L2tpHeaderError.UnknownVersion)]
    [InlineData(0x000F, L2tpHeaderError.UnknownVersion)]
    [InlineData(0x8802, L2tpHeaderError.ControlWithoutLengthOrSequence)]
    [InlineData(0xC002, L2tpHeaderError.ControlWithoutLengthOrSequence)]
    public void Header_refusals(ushort flags, L2tpHeaderError expected)
    {
        byte[] message = ClientSccrqs.Windows.Bytes;
        BinaryPrimitives.WriteUInt16BigEndian(message, flags);
        Assert.Equal(expected, L2tpHeader.TryDecode(message, out _));
    }

    [Fact]
    public void Control_header_fields_are_read()
    {
        byte[] message = Control(0x1111, 0x2222, 0x3333, 0x4444, Type(Hello));
        Assert.Equal(L2tpHeaderError.None, L2tpHeader.TryDecode(message, out var header));
        Assert.Equal((true, (ushort)0x1111, (ushort)0x2222, (ushort)0x3333, (ushort)0x4444, 12, message.Length),
            (header.IsControl, header.TunnelId, header.SessionId, header.Ns, header.Nr, header.PayloadOffset, header.MessageLength));
        Assert.False(header.IsZeroLengthBody);
        Assert.Equal(L2tpHeaderError.None, L2tpHeader.TryDecode(Control(1, 0, 0, 0), out var zlb));
        Assert.True(zlb.IsZeroLengthBody);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1017)]
    public void Writer_and_reader_agree_on_every_avp_length(int valueLength)
    {
        byte[] value = Enumerable.Range(0, valueLength).Select(i => (byte)i).ToArray();
        byte[] message = new L2tpMessageWriter(L2tpMessageType.Hello)
            .Add(L2tpAvpType.CalledNumber, value, mandatory: false)
            .AddResultCode(2, 8, "unknown")
            .ToMessage(7, 9);
        var parsed = ParseControl(message);
        Assert.Equal(((ushort)7, (ushort)9, Hello), (parsed.TunnelId, parsed.SessionId, parsed.Type));
        Assert.Equal(Convert.ToHexString(value), Convert.ToHexString(parsed.Find(CalledNumber)!.Value));
        Assert.False(parsed.Find(CalledNumber)!.Mandatory);
        Assert.Equal(((ushort)2, (ushort?)8, "unknown"), parsed.Result());

        var body = new ReadOnlyMemory<byte>(message, 12, message.Length - 12);
        int position = 0;
        Assert.Equal(L2tpAvpError.None, L2tpAvpReader.TryRead(body, ref position, out var type));
        Assert.Equal(L2tpAvpError.None, L2tpAvpReader.TryRead(body, ref position, out var avp));
        Assert.Equal((true, false, (ushort)0, (ushort)0), (type.Mandatory, type.Hidden, type.VendorId, type.Type));
        Assert.Equal((ushort)CalledNumber, avp.Type);
        Assert.Equal(valueLength, avp.Value.Length);
    }

    [Fact]
    public void Writer_refuses_a_value_past_the_ten_bit_length()
    {
        Assert.Throws<ArgumentException>(() => new L2tpMessageWriter(L2tpMessageType.Hello).Add(L2tpAvpType.CalledNumber, new byte[1018], false));
    }

    [Fact]
    public void Avp_reader_checks_every_length_and_reads_flags_and_vendor()
    {
        byte[] good = Avp(5, [1, 2], mandatory: true, vendor: 0x0137, hidden: true);
        good[0] |= 0x3c; // reserved bits: ignored
        int position = 0;
        Assert.Equal(L2tpAvpError.None, L2tpAvpReader.TryRead(good, ref position, out var avp));
        Assert.Equal((true, true, (ushort)0x0137, (ushort)5, 2, 8), (avp.Mandatory, avp.Hidden, avp.VendorId, avp.Type, avp.Value.Length, position));

        position = 0;
        Assert.Equal(L2tpAvpError.Truncated, L2tpAvpReader.TryRead(good.AsMemory(0, 5), ref position, out _));
        byte[] shortLength = [0x80, 0x05, 0, 0, 0, 0];
        position = 0;
        Assert.Equal(L2tpAvpError.LengthTooShort, L2tpAvpReader.TryRead(shortLength, ref position, out _));
        byte[] longLength = [0x83, 0xff, 0, 0, 0, 0, 1, 2];
        position = 0;
        Assert.Equal(L2tpAvpError.LengthBeyondMessage, L2tpAvpReader.TryRead(longLength, ref position, out _));
    }

    [Fact]
    public void The_first_avp_must_be_an_unhidden_message_type()
    {
        foreach (var first in new[] { Avp16(HostName, 1), Avp(MessageType, U16(1), hidden: true), Avp(MessageType, [1]) })
        {
            Assert.True(L2tpControlMessage.TryParse(Control(1, 0, 0, 0, first), null, out _, out var message));
            Assert.Equal(L2tpMessageProblem.Malformed, message!.Problem);
        }
    }

    [Fact]
    public void Peer_strings_are_made_printable()
    {
        byte[] message = Control(0, 0, 0, 0, Type(Sccrq), Avp(HostName, [.. Ascii("evil\nname=x"), 0x1b, 0, 0]));
        Assert.True(L2tpControlMessage.TryParse(message, null, out _, out var parsed));
        Assert.Equal("evil?name=x?", parsed!.Text(L2tpAvpType.HostName));
    }
}
