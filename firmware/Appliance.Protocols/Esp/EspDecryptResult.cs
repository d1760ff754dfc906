namespace Appliance.Protocols.Esp;

/// <summary>
/// The outcome of <see cref="InboundEspSa.TryDecrypt"/>. Every value but <see cref="Ok"/> means the
/// packet is dropped; each has its own counter on the SA. None of them is an exception: packet bytes
/// come from the network and never make the datapath throw.
/// </summary>
public enum EspDecryptResult
{
    /// <summary>Authenticated, decrypted, padding and trailer well formed.</summary>
    Ok,

    /// <summary>Shorter than header + IV + the smallest ciphertext + ICV.</summary>
    Truncated,

    /// <summary>The SPI is not this SA's. Routing packets to SAs by SPI is the caller's job; this is a guard.</summary>
    UnknownSpi,

    /// <summary>Sequence number inside the window and already received (RFC 4303 §3.4.3).</summary>
    Replayed,

    /// <summary>Sequence number left of the window, or 0.</summary>
    TooOld,

    /// <summary>The ICV did not verify (HMAC compared in constant time, or the GCM tag failed).</summary>
    IntegrityFailed,

    /// <summary>
    /// Authenticated but the trailer is malformed: pad length longer than the payload, or pad bytes
    /// other than 1, 2, 3, ... (RFC 4303 §2.4). The window has moved (the packet was authentic).
    /// </summary>
    BadPadding,

    /// <summary>The ciphertext is not a whole number of cipher blocks (CBC).</summary>
    BadLength,

    /// <summary>
    /// The caller's plaintext buffer is shorter than this packet's ciphertext; size it with
    /// <see cref="InboundEspSa.GetPlaintextBufferLength"/> (or simply as long as the packet).
    /// </summary>
    DestinationTooSmall,
}
