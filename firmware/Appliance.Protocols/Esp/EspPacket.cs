using System.Buffers.Binary;

namespace Appliance.Protocols.Esp;

/// <summary>
/// The ESP packet layout (RFC 4303 §2), as this datapath sends and receives it in transport mode:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  ---
/// |               Security Parameters Index (SPI)                 |   ^ integrity
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   | (HMAC over all
/// |                      Sequence Number                          |   | of it; GCM: SPI
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   | and sequence
/// |     IV: 16 bytes AES-CBC, 8 bytes 3DES-CBC and AES-GCM        |   | number as AAD)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ --|--
/// ~   Payload Data: here the inner UDP datagram (Next Header 17)  ~   | ^ encrypted
/// +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   | |
/// |               |     Padding 1, 2, 3, ... (0-255 bytes)        |   | |
/// +-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   | |
/// |                               |  Pad Length   | Next Header   |   v v
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ -----
/// ~   ICV: 12 bytes HMAC-SHA1-96/MD5-96, 16 SHA2-256-128 and GCM  ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Everything is big-endian. The encrypted part is padded to the cipher block (4 bytes for GCM),
/// so its length is a multiple of <see cref="EspTransform.PaddingAlignment"/>.
/// </summary>
public static class EspPacket
{
    /// <summary>SPI (4) + sequence number (4).</summary>
    public const int HeaderLength = 8;

    /// <summary>Pad Length (1) + Next Header (1).</summary>
    public const int TrailerLength = 2;

    /// <summary>Next Header value of a transport-mode UDP payload (IANA protocol 17), as L2TP/IPsec uses.</summary>
    public const byte NextHeaderUdp = 17;

    /// <summary>Next Header value of a tunnel-mode IPv4 payload (IP-in-IP, protocol 4).</summary>
    public const byte NextHeaderIPv4 = 4;

    /// <summary>
    /// Next Header 59 ("no next header") marks a dummy packet for traffic-flow confidentiality; the
    /// receiver MUST discard it silently (RFC 4303 §2.6). The datapath reports it as decrypted and
    /// leaves the discarding to the caller.
    /// </summary>
    public const byte NextHeaderNone = 59;

    // 1, 2, 3, ..., 255: the padding contents RFC 4303 §2.4 prescribes, copied by the sender and
    // compared by the receiver.
    private static readonly byte[] s_padPattern = CreatePadPattern();

    /// <summary>The first <paramref name="length"/> bytes of the monotonic padding 1, 2, 3, ... (RFC 4303 §2.4).</summary>
    internal static ReadOnlySpan<byte> Padding(int length) => s_padPattern.AsSpan(0, length);

    /// <summary>
    /// Reads the SPI of an ESP packet without any check beyond length. Returns <see langword="false"/>
    /// when fewer than 4 bytes are present. The SPI picks the inbound SA (RFC 4303 §2.1).
    /// </summary>
    public static bool TryReadSpi(ReadOnlySpan<byte> espPacket, out uint spi)
    {
        if (espPacket.Length < 4)
        {
            spi = 0;
            return false;
        }

        spi = BinaryPrimitives.ReadUInt32BigEndian(espPacket);
        return true;
    }

    /// <summary>Reads the sequence number field; <see langword="false"/> when the packet is shorter than the header.</summary>
    public static bool TryReadSequenceNumber(ReadOnlySpan<byte> espPacket, out uint sequenceNumber)
    {
        if (espPacket.Length < HeaderLength)
        {
            sequenceNumber = 0;
            return false;
        }

        sequenceNumber = BinaryPrimitives.ReadUInt32BigEndian(espPacket[4..]);
        return true;
    }

    private static byte[] CreatePadPattern()
    {
        var pattern = new byte[255];
        for (int i = 0; i < pattern.Length; i++)
        {
            pattern[i] = (byte)(i + 1);
        }

        return pattern;
    }
}
