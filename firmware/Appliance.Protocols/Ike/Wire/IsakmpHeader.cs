using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// The fixed ISAKMP header (RFC 2408 §3.1):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !                          Initiator                            !
/// !                            Cookie                             !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !                          Responder                            !
/// !                            Cookie                             !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !  Next Payload ! MjVer ! MnVer ! Exchange Type !     Flags     !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !                          Message ID                           !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !                            Length                             !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Cookies, message ID and length are big-endian. <see cref="Version"/> is the whole version
/// octet (0x10 = 1.0). <see cref="Length"/> counts the header and everything after it.
/// </summary>
public readonly record struct IsakmpHeader(
    ulong InitiatorCookie,
    ulong ResponderCookie,
    PayloadType NextPayload,
    byte Version,
    ExchangeType Exchange,
    IsakmpFlags Flags,
    uint MessageId,
    uint Length)
{
    /// <summary>Octets in the fixed header: 8 + 8 + 1 + 1 + 1 + 1 + 4 + 4.</summary>
    public const int Size = 28;

    /// <summary>The version octet this codec writes: major 1, minor 0.</summary>
    public const byte CurrentVersion = 0x10;

    /// <summary>The high nibble of <see cref="Version"/>.</summary>
    public int MajorVersion => Version >> 4;

    /// <summary>The low nibble of <see cref="Version"/>.</summary>
    public int MinorVersion => Version & 0x0F;

    /// <summary>True when the E flag says the body is encrypted.</summary>
    public bool IsEncrypted => (Flags & IsakmpFlags.Encryption) != 0;

    /// <summary>
    /// Decodes the header at the start of <paramref name="data"/>, the whole UDP payload (after any
    /// RFC 3948 non-ESP marker). Checks, in this order: at least 28 bytes (else
    /// <see cref="DecodeError.Truncated"/>); major version 1 (else <see cref="DecodeError.BadVersion"/>);
    /// Length at least 28 (else <see cref="DecodeError.BadLength"/>) and no more than the bytes given
    /// (else <see cref="DecodeError.Truncated"/>). Bytes after Length are allowed and ignored:
    /// RFC 2408 defines the message by its Length field, not by the datagram.
    /// </summary>
    public static DecodeError TryDecode(ReadOnlySpan<byte> data, out IsakmpHeader header)
    {
        header = default;
        if (data.Length < Size)
        {
            return DecodeError.Truncated;
        }

        byte version = data[17];

        // RFC 2408 §3.1: a major version other than ours is not ISAKMP as we know it (2 = IKEv2,
        // which arrives on the same ports). The minor version is not judged: every IKEv1 peer
        // sends 0, and RFC 2408 only says SHOULD NOT accept a larger one.
        if (version >> 4 != 1)
        {
            return DecodeError.BadVersion;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(24, 4));
        if (length < Size)
        {
            return DecodeError.BadLength;
        }

        if (length > (uint)data.Length)
        {
            return DecodeError.Truncated;
        }

        header = new IsakmpHeader(
            InitiatorCookie: BinaryPrimitives.ReadUInt64BigEndian(data.Slice(0, 8)),
            ResponderCookie: BinaryPrimitives.ReadUInt64BigEndian(data.Slice(8, 8)),
            NextPayload: (PayloadType)data[16],
            Version: version,
            Exchange: (ExchangeType)data[18],
            Flags: (IsakmpFlags)data[19],
            MessageId: BinaryPrimitives.ReadUInt32BigEndian(data.Slice(20, 4)),
            Length: length);
        return DecodeError.None;
    }

    /// <summary>
    /// Writes the 28 header octets exactly as this value holds them (Length and NextPayload
    /// included). Throws <see cref="ArgumentException"/> if <paramref name="destination"/> is shorter.
    /// </summary>
    public void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"Destination must hold {Size} bytes.", nameof(destination));
        }

        var writer = new WireWriter(destination);
        writer.WriteUInt64(InitiatorCookie);
        writer.WriteUInt64(ResponderCookie);
        writer.WriteByte((byte)NextPayload);
        writer.WriteByte(Version);
        writer.WriteByte((byte)Exchange);
        writer.WriteByte((byte)Flags);
        writer.WriteUInt32(MessageId);
        writer.WriteUInt32(Length);
        writer.EnsureFilled(Size);
    }
}
