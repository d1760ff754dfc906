namespace Appliance.Protocols.Esp;

/// <summary>
/// What the IKE layer hands the datapath for one direction of a CHILD SA (IKEv1 Quick Mode or
/// IKEv2 CREATE_CHILD_SA): the SPI, the negotiated transform, and that direction's slices of KEYMAT.
/// The SA objects copy the keys into their cipher contexts; the caller owns (and should clear)
/// these buffers. <see cref="object.ToString"/> never prints key bytes.
/// </summary>
public sealed record EspSaParameters
{
    /// <summary>The RFC 4303 §3.4.3 default and recommended anti-replay window.</summary>
    public const int DefaultReplayWindowSize = 64;

    /// <summary>The largest anti-replay window this datapath keeps.</summary>
    public const int MaxReplayWindowSize = 1024;

    /// <summary>The smallest anti-replay window RFC 4303 §3.4.3 allows.</summary>
    public const int MinReplayWindowSize = 32;

    /// <summary>
    /// The SPI the receiver chose. Zero is reserved and never sent on the wire (RFC 4303 §2.1), and
    /// over UDP 4500 it would read as the non-ESP marker (RFC 3948 §2.2), so it is refused.
    /// </summary>
    public required uint Spi { get; init; }

    /// <summary>The negotiated algorithms.</summary>
    public required EspTransform Transform { get; init; }

    /// <summary>
    /// Encryption keying material, <see cref="EspTransform.EncryptionKeyLength"/> bytes; for AES-GCM
    /// the AES key followed by the 4-byte salt (RFC 4106 §8.1).
    /// </summary>
    public required ReadOnlyMemory<byte> EncryptionKey { get; init; }

    /// <summary>Integrity keying material, <see cref="EspTransform.IntegrityKeyLength"/> bytes; empty for AES-GCM.</summary>
    public ReadOnlyMemory<byte> IntegrityKey { get; init; }

    /// <summary>
    /// Outbound only: the sequence number of the first packet sent. Always 1 on a fresh SA
    /// (RFC 4303 §3.3.3); other values exist for tests and for restoring a saved SA.
    /// </summary>
    public uint InitialSequenceNumber { get; init; } = 1;

    /// <summary>Inbound only: the anti-replay window in packets, 32 to 1024 (default 64).</summary>
    public int ReplayWindowSize { get; init; } = DefaultReplayWindowSize;

    /// <summary>Throws <see cref="ArgumentException"/> when a field does not fit the transform.</summary>
    public void Validate()
    {
        if (Transform is null)
        {
            throw new ArgumentException("Transform is required.", nameof(Transform));
        }

        if (Spi == 0)
        {
            throw new ArgumentException("SPI 0 is reserved (RFC 4303 §2.1).", nameof(Spi));
        }

        if (EncryptionKey.Length != Transform.EncryptionKeyLength)
        {
            throw new ArgumentException($"{Transform} needs {Transform.EncryptionKeyLength} bytes of encryption key, got {EncryptionKey.Length}.", nameof(EncryptionKey));
        }

        if (IntegrityKey.Length != Transform.IntegrityKeyLength)
        {
            throw new ArgumentException($"{Transform} needs {Transform.IntegrityKeyLength} bytes of integrity key, got {IntegrityKey.Length}.", nameof(IntegrityKey));
        }

        if (InitialSequenceNumber == 0)
        {
            throw new ArgumentException("Sequence numbers start at 1 (RFC 4303 §3.3.3).", nameof(InitialSequenceNumber));
        }

        if (ReplayWindowSize is < MinReplayWindowSize or > MaxReplayWindowSize)
        {
            throw new ArgumentException($"Replay window must be {MinReplayWindowSize}..{MaxReplayWindowSize} packets.", nameof(ReplayWindowSize));
        }
    }
}
