namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Why a received ISAKMP message was not decoded. Decoders return one of these instead of throwing
/// so that the daemon can count dropped datagrams by reason.
/// </summary>
public enum DecodeError
{
    /// <summary>Decoded.</summary>
    None,
    /// <summary>The data ends before a header, or a payload claims more bytes than are left.</summary>
    Truncated,
    /// <summary>A length field is impossible (below its minimum, or inconsistent with its content).</summary>
    BadLength,
    /// <summary>ISAKMP major version is not 1 (RFC 2408 §3.1; 2 would be IKEv2).</summary>
    BadVersion,
    /// <summary>
    /// Never produced by the IKEv1 codec: RFC 2408 has no critical bit, so unknown payloads are kept
    /// as <see cref="UnknownPayload"/>. Kept so that an IKEv2 codec can share the counters.
    /// </summary>
    UnknownCriticalPayload,
    /// <summary>More payloads, proposals, transforms, attributes or SPIs than the codec limits allow.</summary>
    TooManyPayloads,
    /// <summary>A Proposal substructure of an SA payload is malformed (RFC 2408 §3.5).</summary>
    BadProposal,
    /// <summary>A Transform substructure of a Proposal is malformed (RFC 2408 §3.6).</summary>
    BadTransform,
    /// <summary>A data attribute is malformed or runs past its container (RFC 2408 §3.3).</summary>
    BadAttribute,
    /// <summary>A payload is longer than its type can legitimately be (e.g. a KE of more than 1024 bytes).</summary>
    PayloadTooLong,
    /// <summary>Bytes follow the last payload of an unencrypted chain.</summary>
    TrailingGarbage,
    /// <summary>A Proposal or Transform payload appears in the top-level chain, outside an SA payload.</summary>
    MisplacedPayload,
    /// <summary>A proposal's SPI size does not suit its protocol (RFC 2407 §4.4.1, RFC 2408 §2.4).</summary>
    BadSpiSize,
    /// <summary>An Identification or NAT-OA address has the wrong size for its ID type (RFC 2407 §4.6.2.1).</summary>
    BadIdentification,
    /// <summary>A Fragment payload has fragment number 0 (numbering starts at 1).</summary>
    BadFragment,
    /// <summary>
    /// <see cref="IkeMessage.TryDecode"/> was given a message with the E flag: decrypt
    /// <see cref="IkeMessage.GetBody"/> and decode it with <see cref="PayloadCodec.TryDecodeChain(PayloadType, ReadOnlySpan{byte}, bool, out List{Payload})"/>.
    /// </summary>
    UnexpectedEncryption,
}
