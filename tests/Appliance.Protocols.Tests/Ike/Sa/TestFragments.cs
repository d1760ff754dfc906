using System.Buffers.Binary;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>
/// IKEv1 fragments written and read byte by byte from the layout (Cisco/Microsoft scheme, as
/// strongSwan and racoon implement it), independently of the firmware's fragmenter: carrier =
/// ISAKMP header (Next Payload 132) + fragment payload (next 0, reserved, length, ID, number,
/// flags, data).
/// </summary>
internal static class TestFragments
{
    /// <summary>MD5("FRAGMENTATION") and the capability flags Windows sends.</summary>
    public static readonly byte[] WindowsVendorId = Convert.FromHexString("4048b7d56ebce88525e7de7f00d6c2d3c0000000");
    public static readonly byte[] BareVendorId = Convert.FromHexString("4048b7d56ebce88525e7de7f00d6c2d3");

    public static byte[] Carrier(byte[] message, ushort id, byte number, bool last, byte[] data, byte flags = 0, byte exchange = 0)
    {
        var b = new byte[28 + 8 + data.Length];
        message.AsSpan(0, 16).CopyTo(b);            // cookies of the message
        b[16] = 132;
        b[17] = 0x10;
        b[18] = exchange == 0 ? message[18] : exchange;
        b[19] = flags;
        message.AsSpan(20, 4).CopyTo(b.AsSpan(20)); // message ID
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(24), (uint)b.Length);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(30), (ushort)(8 + data.Length));
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(32), id);
        b[34] = number;
        b[35] = last ? (byte)1 : (byte)0;
        data.CopyTo(b, 36);
        return b;
    }

    /// <summary>The message in <paramref name="count"/> nearly equal pieces.</summary>
    public static List<byte[]> Split(byte[] message, ushort id, int count)
    {
        int piece = (message.Length + count - 1) / count;
        var result = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            int start = i * piece, length = Math.Min(piece, message.Length - start);
            result.Add(Carrier(message, id, (byte)(i + 1), i == count - 1, message[start..(start + length)]));
        }
        return result;
    }

    /// <summary>Reads carriers the responder sent; checks their headers and puts the message together.</summary>
    public static byte[] Reassemble(IReadOnlyList<byte[]> carriers, out ushort id)
    {
        Assert.NotEmpty(carriers);
        id = BinaryPrimitives.ReadUInt16BigEndian(carriers[0].AsSpan(32));
        var parts = new SortedDictionary<byte, byte[]>();
        for (int i = 0; i < carriers.Count; i++)
        {
            byte[] c = carriers[i];
            Assert.Equal(132, c[16]);                         // Next Payload: fragment
            Assert.Equal(0, c[19]);                           // no flags on the carrier
            Assert.Equal((uint)c.Length, BinaryPrimitives.ReadUInt32BigEndian(c.AsSpan(24)));
            Assert.Equal(0, c[28]);                           // nothing after the fragment payload
            Assert.Equal(c.Length - 28, BinaryPrimitives.ReadUInt16BigEndian(c.AsSpan(30)));
            Assert.Equal(id, BinaryPrimitives.ReadUInt16BigEndian(c.AsSpan(32)));
            Assert.Equal(i + 1, c[34]);
            Assert.Equal(i == carriers.Count - 1 ? 1 : 0, c[35]);
            parts[c[34]] = c[36..];
        }
        byte[] whole = parts.Values.SelectMany(p => p).ToArray();
        // The carriers repeat the cookies, exchange and message ID of the message inside.
        foreach (var c in carriers)
        {
            Assert.Equal(whole[..16], c[..16]);
            Assert.Equal(whole[18], c[18]);
            Assert.Equal(whole[20..24], c[20..24]);
        }
        return whole;
    }
}
