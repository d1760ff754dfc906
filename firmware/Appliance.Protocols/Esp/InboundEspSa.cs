using System.Buffers.Binary;

namespace Appliance.Protocols.Esp;

/// <summary>
/// The receiving half of an ESP SA (RFC 4303 §3.4), transport mode, 32-bit sequence numbers.
/// The socket adapter hands it the bytes of one ESP packet (from UDP 4500 after
/// <see cref="EspInUdp.Classify"/>, or from raw IP protocol 50 without the IP header) and gets back
/// the inner transport payload, here the UDP datagram carrying L2TP.
/// <para>
/// Processing order (RFC 4303 §3.4.1 to §3.4.4): lengths and SPI; the anti-replay check (cheap, so
/// duplicates and stale packets are dropped before any cryptography); ICV verification, constant
/// time; only then the window update, so forged packets cannot move it; decryption; the padding
/// and trailer check. Every outcome is an <see cref="EspDecryptResult"/> and a counter; packet
/// content never causes an exception. No allocation per packet. Not thread-safe: one thread per SA.
/// </para>
/// </summary>
public sealed class InboundEspSa : IDisposable
{
    private readonly EspCryptoContext _crypto;
    private readonly ReplayWindow _window;
    private readonly int _ivLength;
    private readonly int _icvLength;
    private readonly int _blockSize;
    private readonly int _minCiphertextLength;
    private bool _disposed;

    private long _packets;
    private long _payloadBytes;
    private long _truncated;
    private long _unknownSpi;
    private long _replayed;
    private long _tooOld;
    private long _integrityFailed;
    private long _badPadding;
    private long _badLength;
    private long _destinationTooSmall;

    /// <summary>
    /// Creates the SA and keys its ciphers. <see cref="EspSaParameters.InitialSequenceNumber"/> is
    /// not used inbound. Throws <see cref="ArgumentException"/> when the parameters do not fit the
    /// transform.
    /// </summary>
    public InboundEspSa(EspSaParameters parameters)
    {
        _crypto = EspCryptoContext.Create(parameters);
        Spi = parameters.Spi;
        Transform = parameters.Transform;
        _window = new ReplayWindow(parameters.ReplayWindowSize);
        _ivLength = Transform.IvLength;
        _icvLength = Transform.IcvLength;
        _blockSize = Transform.PaddingAlignment;

        // CBC: at least one block. GCM: at least the two trailer bytes; the 4-byte alignment that
        // RFC 4303 §2.4 asks senders for is not enforced on receipt (the ICV covers the length, and
        // Linux's rfc4106 does not enforce it either).
        _minCiphertextLength = Transform.IsCombinedMode ? EspPacket.TrailerLength : _blockSize;
    }

    /// <summary>This SA's SPI.</summary>
    public uint Spi { get; }

    /// <summary>This SA's algorithms.</summary>
    public EspTransform Transform { get; }

    /// <summary>Anti-replay window size in packets.</summary>
    public int ReplayWindowSize => _window.Size;

    /// <summary>Highest authenticated sequence number so far (0 before the first packet).</summary>
    public uint HighestSequenceNumber => _window.Highest;

    /// <summary>Packets decrypted with <see cref="EspDecryptResult.Ok"/>.</summary>
    public long PacketsDecrypted => _packets;

    /// <summary>Payload bytes (after removing padding and trailer) of those packets.</summary>
    public long PayloadBytesDecrypted => _payloadBytes;

    /// <summary>Packets dropped as <see cref="EspDecryptResult.Truncated"/>.</summary>
    public long TruncatedPackets => _truncated;

    /// <summary>Packets dropped as <see cref="EspDecryptResult.UnknownSpi"/>.</summary>
    public long UnknownSpiPackets => _unknownSpi;

    /// <summary>Packets dropped as <see cref="EspDecryptResult.Replayed"/>.</summary>
    public long ReplayedPackets => _replayed;

    /// <summary>Packets dropped as <see cref="EspDecryptResult.TooOld"/>.</summary>
    public long TooOldPackets => _tooOld;

    /// <summary>Packets dropped as <see cref="EspDecryptResult.IntegrityFailed"/>.</summary>
    public long IntegrityFailures => _integrityFailed;

    /// <summary>Packets dropped as <see cref="EspDecryptResult.BadPadding"/>.</summary>
    public long BadPaddingPackets => _badPadding;

    /// <summary>Packets dropped as <see cref="EspDecryptResult.BadLength"/>.</summary>
    public long BadLengthPackets => _badLength;

    /// <summary>Packets refused as <see cref="EspDecryptResult.DestinationTooSmall"/>.</summary>
    public long DestinationTooSmallPackets => _destinationTooSmall;

    /// <summary>
    /// The plaintext buffer <see cref="TryDecrypt"/> needs for a packet of
    /// <paramref name="packetLength"/> bytes: the ciphertext length (payload + padding + trailer),
    /// never more than the packet itself.
    /// </summary>
    public int GetPlaintextBufferLength(int packetLength) =>
        Math.Max(0, packetLength - EspPacket.HeaderLength - _ivLength - _icvLength);

    /// <summary>
    /// Authenticates and decrypts one ESP packet. On <see cref="EspDecryptResult.Ok"/> the payload
    /// is the first <paramref name="length"/> bytes of <paramref name="plaintextDestination"/> and
    /// <paramref name="nextHeader"/> names its protocol (17 = UDP in L2TP/IPsec transport mode; 59 =
    /// a dummy packet the caller must drop). The destination must not overlap the packet and must
    /// hold <see cref="GetPlaintextBufferLength"/> bytes; the bytes past the payload are scratch.
    /// </summary>
    public EspDecryptResult TryDecrypt(ReadOnlySpan<byte> espPacket, Span<byte> plaintextDestination, out int length, out byte nextHeader)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        length = 0;
        nextHeader = 0;

        // RFC 4303 §3.4.2: find the SA by SPI. Lengths come first so nothing reads past the packet.
        if (espPacket.Length < EspPacket.HeaderLength)
        {
            _truncated++;
            return EspDecryptResult.Truncated;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(espPacket) != Spi)
        {
            _unknownSpi++;
            return EspDecryptResult.UnknownSpi;
        }

        int ciphertextLength = espPacket.Length - EspPacket.HeaderLength - _ivLength - _icvLength;
        if (ciphertextLength < _minCiphertextLength)
        {
            _truncated++;
            return EspDecryptResult.Truncated;
        }

        if (ciphertextLength % _blockSize != 0 && !Transform.IsCombinedMode)
        {
            _badLength++;
            return EspDecryptResult.BadLength;
        }

        // RFC 4303 §3.4.3: the duplicate check happens before the ICV is computed.
        uint sequenceNumber = BinaryPrimitives.ReadUInt32BigEndian(espPacket[4..]);
        switch (_window.Check(sequenceNumber))
        {
            case ReplayCheckResult.Replayed:
                _replayed++;
                return EspDecryptResult.Replayed;
            case ReplayCheckResult.TooOld:
                _tooOld++;
                return EspDecryptResult.TooOld;
        }

        if (plaintextDestination.Length < ciphertextLength)
        {
            _destinationTooSmall++;
            return EspDecryptResult.DestinationTooSmall;
        }

        ReadOnlySpan<byte> header = espPacket[..EspPacket.HeaderLength];
        ReadOnlySpan<byte> iv = espPacket.Slice(EspPacket.HeaderLength, _ivLength);
        ReadOnlySpan<byte> ciphertext = espPacket.Slice(EspPacket.HeaderLength + _ivLength, ciphertextLength);
        ReadOnlySpan<byte> icv = espPacket[^_icvLength..];
        Span<byte> plaintext = plaintextDestination[..ciphertextLength];

        // RFC 4303 §3.4.4: integrity first. GCM verifies the tag over AAD = SPI || sequence number
        // (RFC 4106 §5) and the ciphertext, and decrypts in the same call; CBC verifies the HMAC
        // over SPI .. end of ciphertext (constant-time compare in HmacIntegrity.Verify).
        if (_crypto.Gcm is { } gcm)
        {
            if (!gcm.TryDecrypt(iv, ciphertext, icv, plaintext, header))
            {
                _integrityFailed++;
                return EspDecryptResult.IntegrityFailed;
            }

            _window.Accept(sequenceNumber);
        }
        else
        {
            if (!_crypto.Hmac!.Verify(espPacket[..^_icvLength], icv))
            {
                _integrityFailed++;
                return EspDecryptResult.IntegrityFailed;
            }

            _window.Accept(sequenceNumber);
            _crypto.Cbc!.TryDecrypt(iv, ciphertext, plaintext);
        }

        // RFC 4303 §2.4 and §2.5: ... Padding | Pad Length | Next Header. The sender must fill the
        // padding with 1, 2, 3, ... and the receiver should check it. The data is authenticated by
        // now, so the check need not be constant time.
        int padLength = plaintext[^2];
        if (padLength > ciphertextLength - EspPacket.TrailerLength)
        {
            _badPadding++;
            return EspDecryptResult.BadPadding;
        }

        int payloadLength = ciphertextLength - EspPacket.TrailerLength - padLength;
        if (!plaintext.Slice(payloadLength, padLength).SequenceEqual(EspPacket.Padding(padLength)))
        {
            _badPadding++;
            return EspDecryptResult.BadPadding;
        }

        length = payloadLength;
        nextHeader = plaintext[^1];
        _packets++;
        _payloadBytes += payloadLength;
        return EspDecryptResult.Ok;
    }

    /// <summary>Frees the cipher contexts (which hold the keys).</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _crypto.Dispose();
        }
    }
}
