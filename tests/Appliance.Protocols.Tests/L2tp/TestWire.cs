using System.Buffers.Binary;
using System.Text;

namespace Appliance.Protocols.Tests.L2tp;

/// <summary>
/// The test side's own L2TP encoder and decoder, written from RFC 2661 independently of the
/// production codec, so that a bug there cannot cancel out here.
/// </summary>
internal static class TestWire
{
    // AVP attribute numbers and message types as numbers, straight from RFC 2661 §4.4 / §3.2.
    public const ushort MessageType = 0, ResultCode = 1, ProtocolVersion = 2, FramingCaps = 3, BearerCaps = 4,
        TieBreaker = 5, Firmware = 6, HostName = 7, VendorName = 8, AssignedTunnelId = 9, ReceiveWindow = 10,
        Challenge = 11, ChallengeResponse = 13, AssignedSessionId = 14, CallSerialNumber = 15, BearerType = 18,
        FramingType = 19, TxConnectSpeed = 24, RandomVector = 36,
        MinimumBps = 16, MaximumBps = 17, CalledNumber = 21, CallErrors = 34, Accm = 35;

    public const ushort Sccrq = 1, Sccrp = 2, Scccn = 3, StopCcn = 4, Hello = 6, Ocrq = 7, Icrq = 10, Icrp = 11,
        Iccn = 12, Cdn = 14, Wen = 15, Sli = 16;

    public static byte[] Avp(ushort type, byte[] value, bool mandatory = true, ushort vendor = 0, bool hidden = false)
    {
        var avp = new byte[6 + value.Length];
        ushort flags = (ushort)((mandatory ? 0x8000 : 0) | (hidden ? 0x4000 : 0) | avp.Length);
        BinaryPrimitives.WriteUInt16BigEndian(avp, flags);
        BinaryPrimitives.WriteUInt16BigEndian(avp.AsSpan(2), vendor);
        BinaryPrimitives.WriteUInt16BigEndian(avp.AsSpan(4), type);
        value.CopyTo(avp, 6);
        return avp;
    }

    public static byte[] U16(ushort value) => [(byte)(value >> 8), (byte)value];
    public static byte[] U32(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static byte[] Avp16(ushort type, ushort value, bool mandatory = true) => Avp(type, U16(value), mandatory);
    public static byte[] Avp32(ushort type, uint value, bool mandatory = true) => Avp(type, U32(value), mandatory);
    public static byte[] Type(ushort messageType) => Avp16(MessageType, messageType);

    /// <summary>A control message: T, L, S set, version 2, then the AVPs.</summary>
    public static byte[] Control(ushort tunnelId, ushort sessionId, ushort ns, ushort nr, params byte[][] avps)
    {
        int length = 12 + avps.Sum(a => a.Length);
        var message = new byte[length];
        BinaryPrimitives.WriteUInt16BigEndian(message, 0xC802);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4), tunnelId);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(6), sessionId);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(8), ns);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(10), nr);
        int at = 12;
        foreach (var avp in avps)
        {
            avp.CopyTo(message, at);
            at += avp.Length;
        }
        return message;
    }

    /// <summary>A data message with any combination of the optional header fields.</summary>
    public static byte[] Data(ushort tunnelId, ushort sessionId, byte[] ppp, bool length = false, bool sequence = false, int? offset = null)
    {
        var header = new List<byte>();
        ushort flags = (ushort)(0x0002 | (length ? 0x4000 : 0) | (sequence ? 0x0800 : 0) | (offset is null ? 0 : 0x0200));
        header.AddRange(U16(flags));
        if (length) header.AddRange([0, 0]);
        header.AddRange(U16(tunnelId));
        header.AddRange(U16(sessionId));
        if (sequence) header.AddRange([0x12, 0x34, 0x00, 0x00]);
        if (offset is { } pad)
        {
            header.AddRange(U16((ushort)pad));
            header.AddRange(Enumerable.Repeat((byte)0xEE, pad));
        }
        var message = header.Concat(ppp).ToArray();
        if (length) BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)message.Length);
        return message;
    }

    public sealed record ParsedAvp(bool Mandatory, bool Hidden, ushort Vendor, ushort Type, byte[] Value);

    /// <summary>A control message as the test LAC sees it.</summary>
    public sealed record Parsed(ushort TunnelId, ushort SessionId, ushort Ns, ushort Nr, List<ParsedAvp> Avps)
    {
        public bool IsZlb => Avps.Count == 0;
        public ushort Type => IsZlb ? (ushort)0 : BinaryPrimitives.ReadUInt16BigEndian(Avps[0].Value);
        public ParsedAvp? Find(ushort type) => Avps.FirstOrDefault(a => a.Vendor == 0 && a.Type == type);
        public ushort? Get16(ushort type) => Find(type) is { } a ? BinaryPrimitives.ReadUInt16BigEndian(a.Value) : null;
        public uint? Get32(ushort type) => Find(type) is { } a ? BinaryPrimitives.ReadUInt32BigEndian(a.Value) : null;
        public string? Text(ushort type) => Find(type) is { } a ? Encoding.UTF8.GetString(a.Value) : null;
        public (ushort Result, ushort? Error, string? Message) Result()
        {
            var v = Find(ResultCode)!.Value;
            ushort result = BinaryPrimitives.ReadUInt16BigEndian(v);
            ushort? error = v.Length >= 4 ? BinaryPrimitives.ReadUInt16BigEndian(v.AsSpan(2)) : null;
            string? message = v.Length > 4 ? Encoding.UTF8.GetString(v.AsSpan(4)) : null;
            return (result, error, message);
        }
    }

    /// <summary>Parses a control message the server sent, asserting the header invariants of §3.1.</summary>
    public static Parsed ParseControl(byte[] message)
    {
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(message);
        Assert.Equal(0xC802, flags);
        Assert.Equal(message.Length, BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(2)));
        var avps = new List<ParsedAvp>();
        int at = 12;
        while (at < message.Length)
        {
            ushort avpFlags = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(at));
            int length = avpFlags & 0x3ff;
            Assert.InRange(length, 6, message.Length - at);
            Assert.Equal(0, avpFlags & 0x3c00);
            avps.Add(new ParsedAvp((avpFlags & 0x8000) != 0, (avpFlags & 0x4000) != 0,
                BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(at + 2)),
                BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(at + 4)),
                message.AsSpan(at + 6, length - 6).ToArray()));
            at += length;
        }
        if (avps.Count > 0) Assert.Equal(MessageType, avps[0].Type);
        return new Parsed(
            BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(4)),
            BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(6)),
            BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(8)),
            BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(10)),
            avps);
    }

    /// <summary>
    /// Hides a value the way RFC 2661 §4.3 describes, computed here from the formula:
    /// subformat = original length (2) || value || padding, XORed with
    /// b1 = MD5(type || secret || RV), b(i) = MD5(secret || c(i-1)).
    /// </summary>
    public static byte[] Hide(ushort type, byte[] secret, byte[] randomVector, byte[] value, byte[] padding)
    {
        byte[] plain = [.. U16((ushort)value.Length), .. value, .. padding];
        var hidden = new byte[plain.Length];
        byte[] b = System.Security.Cryptography.MD5.HashData([.. U16(type), .. secret, .. randomVector]);
        for (int i = 0; i < plain.Length; i++)
        {
            if (i > 0 && i % 16 == 0) b = System.Security.Cryptography.MD5.HashData([.. secret, .. hidden.AsSpan(i - 16, 16)]);
            hidden[i] = (byte)(plain[i] ^ b[i % 16]);
        }
        return hidden;
    }
}
