using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Esp;

/// <summary>
/// The sending half of an ESP SA (RFC 4303 §3.3), transport mode, 32-bit sequence numbers.
/// <see cref="TryEncrypt"/> turns the inner transport payload (the UDP datagram carrying L2TP) into
/// SPI | sequence number | IV | ciphertext(payload | padding | pad length | next header) | ICV.
/// <para>
/// IVs: AES-CBC and 3DES-CBC take an unpredictable IV per packet from the <see cref="IRandomSource"/>
/// (RFC 3602 §2.1, RFC 2451 §2.2), drawn from a small pool that is refilled in one call so the
/// random source is not asked per packet. AES-GCM needs only a unique 8-byte explicit IV per key
/// (RFC 4106 §3.1 names a counter as one way); this SA uses the packet's sequence number as a
/// 64-bit big-endian counter. Sequence numbers never repeat and never wrap on one SA, and each
/// direction has its own key and salt, so no (key, nonce) pair repeats.
/// </para>
/// <para>
/// Sequence numbers: 1 to 2^32 − 1 and no further (RFC 4303 §3.3.3: the counter must not cycle;
/// the SA has to be rekeyed). When they run out, <see cref="TryEncrypt"/> returns
/// <see langword="false"/> and <see cref="IsSequenceExhausted"/> turns true; the IKE layer should
/// rekey well before, watching <see cref="SequenceNumbersRemaining"/>.
/// </para>
/// Padding is the minimum that aligns the ciphertext (RFC 4303 §2.4); no traffic-flow padding.
/// No allocation per packet. Not thread-safe: one thread per SA.
/// </summary>
public sealed class OutboundEspSa : IDisposable
{
    // CBC IVs fetched from the random source at once: 64 AES IVs = 1 KiB.
    private const int IvsPerRefill = 64;

    private readonly EspCryptoContext _crypto;
    private readonly IRandomSource _random;
    private readonly byte[]? _ivPool;
    private readonly int _ivLength;
    private readonly int _icvLength;
    private int _ivPoolOffset;
    private ulong _nextSequenceNumber;
    private bool _disposed;
    private long _packets;
    private long _payloadBytes;

    /// <summary>
    /// Creates the SA and keys its ciphers. <paramref name="random"/> supplies the CBC IVs (pass
    /// <see cref="SystemRandomSource.Instance"/>); AES-GCM does not use it.
    /// <see cref="EspSaParameters.ReplayWindowSize"/> is not used outbound. Throws
    /// <see cref="ArgumentException"/> when the parameters do not fit the transform.
    /// </summary>
    public OutboundEspSa(EspSaParameters parameters, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _crypto = EspCryptoContext.Create(parameters);
        _random = random;
        Spi = parameters.Spi;
        Transform = parameters.Transform;
        _ivLength = Transform.IvLength;
        _icvLength = Transform.IcvLength;
        _nextSequenceNumber = parameters.InitialSequenceNumber;
        if (!Transform.IsCombinedMode)
        {
            _ivPool = new byte[IvsPerRefill * _ivLength];
            _ivPoolOffset = _ivPool.Length; // empty: filled on first use
        }
    }

    /// <summary>This SA's SPI (the peer's inbound SPI).</summary>
    public uint Spi { get; }

    /// <summary>This SA's algorithms.</summary>
    public EspTransform Transform { get; }

    /// <summary>
    /// Where the payload starts in the packet (after SPI, sequence number and IV). A caller that
    /// builds the payload at this offset of the destination saves nothing in copying but may do so.
    /// </summary>
    public int PayloadOffset => EspPacket.HeaderLength + _ivLength;

    /// <summary>The sequence number the next packet will carry; meaningless once <see cref="IsSequenceExhausted"/>.</summary>
    public uint NextSequenceNumber => (uint)_nextSequenceNumber;

    /// <summary>How many more packets this SA may send before it must be replaced.</summary>
    public long SequenceNumbersRemaining => (long)((1UL << 32) - _nextSequenceNumber);

    /// <summary>True once packet 2^32 − 1 has been sent: nothing more can be sent on this SA.</summary>
    public bool IsSequenceExhausted => _nextSequenceNumber > uint.MaxValue;

    /// <summary>Packets encrypted.</summary>
    public long PacketsEncrypted => _packets;

    /// <summary>Payload bytes encrypted (before padding).</summary>
    public long PayloadBytesEncrypted => _payloadBytes;

    /// <summary>The exact packet length for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public int GetPacketLength(int payloadLength) => Transform.GetPacketLength(payloadLength);

    /// <summary>
    /// Encrypts <paramref name="payload"/> with <paramref name="nextHeader"/> (17 for UDP) into
    /// <paramref name="destination"/>, which needs <see cref="GetPacketLength"/> bytes (payload
    /// length + <see cref="EspTransform.MaxOverhead"/> always suffices). The payload may already
    /// lie inside the destination. Returns <see langword="false"/> only when the sequence numbers
    /// are exhausted; a too-short destination is a caller bug and throws
    /// <see cref="ArgumentException"/>.
    /// </summary>
    public bool TryEncrypt(ReadOnlySpan<byte> payload, byte nextHeader, Span<byte> destination, out int bytesWritten) =>
        TryEncryptWithIv(payload, nextHeader, destination, default, out bytesWritten);

    /// <summary>
    /// As <see cref="TryEncrypt"/>, returning the
    /// packet length; throws <see cref="InvalidOperationException"/> when the sequence numbers are
    /// exhausted (the SA must be rekeyed).
    /// </summary>
    public int Encrypt(ReadOnlySpan<byte> payload, byte nextHeader, Span<byte> destination)
    {
        if (!TryEncryptWithIv(payload, nextHeader, destination, default, out int written))
        {
            throw new InvalidOperationException($"ESP SA 0x{Spi:x8} has used all 2^32-1 sequence numbers; rekey it.");
        }

        return written;
    }

    /// <summary>Frees the cipher contexts (which hold the keys) and clears the unused IVs.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _crypto.Dispose();
            if (_ivPool is not null)
            {
                CryptographicOperations.ZeroMemory(_ivPool);
            }
        }
    }

    /// <summary>
    /// The encryption itself. <paramref name="explicitIv"/> is empty in production; known-answer
    /// tests pass the IV a published vector used, so the whole packet can be compared.
    /// </summary>
    internal bool TryEncryptWithIv(ReadOnlySpan<byte> payload, byte nextHeader, Span<byte> destination, ReadOnlySpan<byte> explicitIv, out int bytesWritten)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bytesWritten = 0;
        if (IsSequenceExhausted)
        {
            return false;
        }

        // Lengths, commented (RFC 4303 §2): header (SPI 4 + seq 4) + IV + ciphertext + ICV, where
        // ciphertext = payload + padding + pad length (1) + next header (1), padded to the block.
        int ciphertextLength = Transform.GetCiphertextLength(payload.Length);
        int padLength = ciphertextLength - EspPacket.TrailerLength - payload.Length;
        int ciphertextOffset = EspPacket.HeaderLength + _ivLength;
        int icvOffset = ciphertextOffset + ciphertextLength;
        int packetLength = icvOffset + _icvLength;
        if (destination.Length < packetLength)
        {
            throw new ArgumentException($"Destination must hold {packetLength} bytes for a {payload.Length}-byte payload.", nameof(destination));
        }

        if (!explicitIv.IsEmpty && explicitIv.Length != _ivLength)
        {
            throw new ArgumentException($"IV must be {_ivLength} bytes.", nameof(explicitIv));
        }

        // The payload first: Span.CopyTo is a memmove, so a payload already inside the destination
        // (even overlapping the header) moves before the header is written over it.
        Span<byte> plaintext = destination.Slice(ciphertextOffset, ciphertextLength);
        payload.CopyTo(plaintext);
        EspPacket.Padding(padLength).CopyTo(plaintext[payload.Length..]);
        plaintext[^2] = (byte)padLength;
        plaintext[^1] = nextHeader;

        uint sequenceNumber = (uint)_nextSequenceNumber;
        BinaryPrimitives.WriteUInt32BigEndian(destination, Spi);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], sequenceNumber);
        Span<byte> iv = destination.Slice(EspPacket.HeaderLength, _ivLength);
        Span<byte> icv = destination.Slice(icvOffset, _icvLength);

        if (_crypto.Gcm is { } gcm)
        {
            if (explicitIv.IsEmpty)
            {
                BinaryPrimitives.WriteUInt64BigEndian(iv, sequenceNumber);
            }
            else
            {
                explicitIv.CopyTo(iv);
            }

            // RFC 4106 §5: AAD = SPI || 32-bit sequence number.
            gcm.Encrypt(iv, plaintext, plaintext, icv, destination[..EspPacket.HeaderLength]);
        }
        else
        {
            if (explicitIv.IsEmpty)
            {
                NextRandomIv(iv);
            }
            else
            {
                explicitIv.CopyTo(iv);
            }

            _crypto.Cbc!.Encrypt(iv, plaintext, plaintext);

            // RFC 4303 §3.3.4: the ICV covers SPI, sequence number, IV and ciphertext.
            _crypto.Hmac!.Compute(destination[..icvOffset], icv);
        }

        _nextSequenceNumber++;
        _packets++;
        _payloadBytes += payload.Length;
        bytesWritten = packetLength;
        return true;
    }

    private void NextRandomIv(Span<byte> iv)
    {
        byte[] pool = _ivPool!;
        if (_ivPoolOffset + _ivLength > pool.Length)
        {
            _random.Fill(pool);
            _ivPoolOffset = 0;
        }

        Span<byte> next = pool.AsSpan(_ivPoolOffset, _ivLength);
        next.CopyTo(iv);
        next.Clear(); // an IV is handed out once
        _ivPoolOffset += _ivLength;
    }
}
