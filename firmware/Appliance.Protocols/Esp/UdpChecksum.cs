using System.Buffers.Binary;

namespace Appliance.Protocols.Esp;

/// <summary>
/// The UDP checksum (RFC 768; RFC 8200 §8.1 for IPv6): the 16-bit one's complement of the one's
/// complement sum of a pseudo-header and the datagram. Pseudo-header for IPv4: source address,
/// destination address, zero, protocol 17, UDP length; for IPv6: source, destination, 32-bit UDP
/// length, three zero bytes, next header 17. Pure functions over bytes, no allocation.
/// </summary>
public static class UdpChecksum
{
    /// <summary>IANA protocol number of UDP.</summary>
    public const byte ProtocolNumber = 17;

    /// <summary>UDP header length: source port, destination port, length, checksum (2 bytes each).</summary>
    public const int HeaderLength = 8;

    /// <summary>
    /// Computes the checksum <paramref name="udpDatagram"/> (header and data; its own checksum field
    /// is ignored) should carry between <paramref name="sourceAddress"/> and
    /// <paramref name="destinationAddress"/> (both 4 bytes or both 16). A computed 0 is sent as
    /// 0xFFFF (RFC 768), since 0 means "no checksum". Wrong address or datagram lengths are caller
    /// bugs and throw <see cref="ArgumentException"/>.
    /// </summary>
    public static ushort Compute(ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, ReadOnlySpan<byte> udpDatagram)
    {
        if (sourceAddress.Length is not (4 or 16) || destinationAddress.Length != sourceAddress.Length)
        {
            throw new ArgumentException("Addresses must be both IPv4 (4 bytes) or both IPv6 (16 bytes).", nameof(sourceAddress));
        }

        if (udpDatagram.Length < HeaderLength)
        {
            throw new ArgumentException("A UDP datagram has at least its 8-byte header.", nameof(udpDatagram));
        }

        // Pseudo-header. The length and protocol words are added as numbers: in the one's
        // complement sum only their 16-bit alignment matters, and both are right-aligned in
        // 16-bit (IPv4) or 32-bit (IPv6) fields, so the sums agree with the byte layouts above.
        ulong sum = Add(0, sourceAddress);
        sum = Add(sum, destinationAddress);
        sum += (ulong)udpDatagram.Length + ProtocolNumber;

        // The datagram with its checksum field (bytes 6-7) taken as zero.
        sum = Add(sum, udpDatagram[..6]);
        sum = Add(sum, udpDatagram[HeaderLength..]);

        ushort checksum = (ushort)~Fold(sum);
        return checksum == 0 ? (ushort)0xFFFF : checksum;
    }

    /// <summary>
    /// True when the datagram's checksum field is right for these addresses. A zero field means the
    /// sender computed none, which IPv4 allows (RFC 768) and IPv6 does not (RFC 8200 §8.1).
    /// Returns <see langword="false"/> for datagrams shorter than the header.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, ReadOnlySpan<byte> udpDatagram)
    {
        if (udpDatagram.Length < HeaderLength)
        {
            return false;
        }

        ushort field = BinaryPrimitives.ReadUInt16BigEndian(udpDatagram[6..]);
        if (field == 0)
        {
            return sourceAddress.Length == 4;
        }

        return Compute(sourceAddress, destinationAddress, udpDatagram) == field;
    }

    // Adds big-endian 16-bit words of data (which starts at an even offset of the checksummed
    // stream) to sum; 32 bits at a time, folded at the end. A trailing odd byte is the high byte
    // of a word whose low byte is zero.
    private static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 4)
        {
            sum += BinaryPrimitives.ReadUInt32BigEndian(data);
            data = data[4..];
        }

        if (data.Length >= 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data);
            data = data[2..];
        }

        if (data.Length == 1)
        {
            sum += (ulong)data[0] << 8;
        }

        return sum;
    }

    private static ushort Fold(ulong sum)
    {
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)sum;
    }
}
