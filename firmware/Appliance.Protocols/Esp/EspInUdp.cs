using System.Buffers.Binary;

namespace Appliance.Protocols.Esp;

/// <summary>What a datagram received on UDP port 4500 carries (RFC 3948 §2).</summary>
public enum EspInUdpKind
{
    /// <summary>None of the forms below: drop it.</summary>
    Invalid,

    /// <summary>A NAT-keepalive: the single byte 0xFF (RFC 3948 §2.3). Ignore it.</summary>
    NatKeepalive,

    /// <summary>An IKE message behind the 4-byte non-ESP marker (RFC 3948 §2.2): hand <see cref="EspInUdp.GetIkeMessage"/> to IKE.</summary>
    Ike,

    /// <summary>An ESP packet: at least SPI and sequence number, and a non-zero SPI (RFC 3948 §2.1).</summary>
    Esp,
}

/// <summary>
/// UDP encapsulation of ESP for NAT traversal (RFC 3948), the parts that are pure byte logic:
/// telling apart ESP, IKE and keepalives on port 4500, and repairing the inner UDP checksum of a
/// transport-mode payload after a NAT (RFC 3948 §3.1.2).
/// <code>
/// ESP in UDP (§2.1)               IKE in UDP (§2.2)                 keepalive (§2.3)
/// +--------------------------+    +--------------------------+      +------+
/// | UDP header (port 4500)   |    | UDP header (port 4500)   |      | 0xFF |
/// +--------------------------+    +--------------------------+      +------+
/// | SPI (non-zero)           |    | 0x00000000 non-ESP marker|
/// | sequence number, IV, ... |    | IKE header, payloads ... |
/// </code>
/// </summary>
public static class EspInUdp
{
    /// <summary>The IANA port for IKE and ESP over UDP behind NAT.</summary>
    public const int Port = 4500;

    /// <summary>Length of the non-ESP marker (four zero bytes) that prefixes IKE on port 4500.</summary>
    public const int NonEspMarkerLength = 4;

    /// <summary>The one byte of a NAT-keepalive.</summary>
    public const byte NatKeepaliveByte = 0xFF;

    /// <summary>Classifies the payload of a UDP datagram received on port 4500.</summary>
    public static EspInUdpKind Classify(ReadOnlySpan<byte> udpPayload)
    {
        if (udpPayload.Length == 1)
        {
            return udpPayload[0] == NatKeepaliveByte ? EspInUdpKind.NatKeepalive : EspInUdpKind.Invalid;
        }

        if (udpPayload.Length < NonEspMarkerLength)
        {
            return EspInUdpKind.Invalid;
        }

        // The first four bytes are either the non-ESP marker or the SPI, which is never zero.
        // Whether what follows the marker is a well-formed IKE message is IKE's to decide.
        if (BinaryPrimitives.ReadUInt32BigEndian(udpPayload) == 0)
        {
            return EspInUdpKind.Ike;
        }

        return udpPayload.Length >= EspPacket.HeaderLength ? EspInUdpKind.Esp : EspInUdpKind.Invalid;
    }

    /// <summary>The IKE message of a payload classified <see cref="EspInUdpKind.Ike"/>: everything after the marker.</summary>
    public static ReadOnlySpan<byte> GetIkeMessage(ReadOnlySpan<byte> udpPayload)
    {
        if (Classify(udpPayload) != EspInUdpKind.Ike)
        {
            throw new ArgumentException("Not an IKE message behind a non-ESP marker.", nameof(udpPayload));
        }

        return udpPayload[NonEspMarkerLength..];
    }

    /// <summary>
    /// Sets the checksum of a decapsulated inner UDP datagram to zero ("not computed"), which
    /// RFC 3948 §3.1.2 allows for transport-mode UDP over IPv4: the checksum the peer computed
    /// covers its own (pre-NAT) addresses and cannot verify here, and ESP's ICV already protects
    /// the bytes. Returns <see langword="false"/> when the datagram is shorter than a UDP header.
    /// </summary>
    public static bool TryZeroInnerUdpChecksum(Span<byte> udpDatagram)
    {
        if (udpDatagram.Length < UdpChecksum.HeaderLength)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(udpDatagram[6..], 0);
        return true;
    }

    /// <summary>
    /// Rewrites the checksum of a decapsulated inner UDP datagram for the addresses it actually
    /// travelled between (RFC 3948 §3.1.2 "recompute"): for a received packet, the outer source
    /// (the peer as seen after NAT) and the outer destination (this host). Use this instead of
    /// zeroing when the datagram goes on to code that verifies checksums, and for IPv6, where a
    /// zero UDP checksum is not allowed. Returns <see langword="false"/> for a datagram shorter
    /// than its header or whose length field disagrees with its size.
    /// </summary>
    public static bool TryRecomputeInnerUdpChecksum(Span<byte> udpDatagram, ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress)
    {
        if (udpDatagram.Length < UdpChecksum.HeaderLength ||
            BinaryPrimitives.ReadUInt16BigEndian(udpDatagram[4..]) != udpDatagram.Length)
        {
            return false;
        }

        ushort checksum = UdpChecksum.Compute(sourceAddress, destinationAddress, udpDatagram);
        BinaryPrimitives.WriteUInt16BigEndian(udpDatagram[6..], checksum);
        return true;
    }
}
