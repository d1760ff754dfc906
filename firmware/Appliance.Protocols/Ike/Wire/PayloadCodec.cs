using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Decodes and encodes chains of generic ISAKMP payloads (RFC 2408 §3.2): each payload's header
/// names the type of the next one, the ISAKMP header names the first, and 0 ends the chain.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                  body (Payload Length - 4)                    ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Structure is validated before meaning: every length is checked against the bytes that are
/// actually left before it is used, and lists grow per element present, never from a count
/// field. Decoding never throws on bad input; it returns the reason.
/// </summary>
public static class PayloadCodec
{
    /// <summary>Most top-level payloads in one chain. A Windows Quick Mode message has 7.</summary>
    public const int MaxPayloads = 64;

    /// <summary>
    /// Decodes the chain in <paramref name="data"/> whose first payload is <paramref name="first"/>
    /// (from the ISAKMP header, or for an encrypted message from the header after decryption).
    /// Stops after the payload whose Next Payload is 0. Bytes after it are CBC padding when the
    /// body was encrypted (pass <paramref name="allowTrailing"/> = true: RFC 2409 §5.3 padding is
    /// not self-describing) and <see cref="DecodeError.TrailingGarbage"/> otherwise.
    /// On failure <paramref name="payloads"/> is empty.
    /// </summary>
    public static DecodeError TryDecodeChain(PayloadType first, ReadOnlySpan<byte> data, bool allowTrailing, out List<Payload> payloads) =>
        TryDecodeChain(first, data, allowTrailing, out payloads, extents: null);

    /// <summary>
    /// As <see cref="TryDecodeChain(PayloadType, ReadOnlySpan{byte}, bool, out List{Payload})"/>,
    /// and also gives where each payload sits in <paramref name="data"/> (generic header included).
    /// RFC 2409 hashes need the bytes as received, not re-encoded: SAi_b for HASH_R is
    /// <c>data[extents[i]][4..]</c> (a peer's non-zero RESERVED octets would not survive a
    /// re-encode), and Quick Mode HASH(1) covers <c>data[extents[1].Start..extents[^1].End]</c>.
    /// </summary>
    public static DecodeError TryDecodeChain(PayloadType first, ReadOnlySpan<byte> data, bool allowTrailing, out List<Payload> payloads, out List<Range> extents)
    {
        extents = [];
        var error = TryDecodeChain(first, data, allowTrailing, out payloads, extents);
        if (error != DecodeError.None)
        {
            extents.Clear();
        }

        return error;
    }

    private static DecodeError TryDecodeChain(PayloadType first, ReadOnlySpan<byte> data, bool allowTrailing, out List<Payload> payloads, List<Range>? extents)
    {
        payloads = [];
        var result = new List<Payload>();
        var next = first;
        int offset = 0;
        while (next != PayloadType.None)
        {
            if (result.Count >= MaxPayloads)
            {
                return DecodeError.TooManyPayloads;
            }

            // The generic header itself must be there before any field is read.
            int remaining = data.Length - offset;
            if (remaining < Payload.HeaderSize)
            {
                return DecodeError.Truncated;
            }

            var following = (PayloadType)data[offset];

            // RESERVED (data[offset + 1]) is not checked: RFC 2408 §3.2 says it MUST be 0 but
            // nothing depends on it, and received bytes are hashed as received (see extents).
            int length = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(offset + 2, 2));

            // Payload Length counts its own 4 header octets: less is impossible.
            if (length < Payload.HeaderSize)
            {
                return DecodeError.BadLength;
            }

            // A payload running past the data: the datagram (or decrypted body) was cut short.
            if (length > remaining)
            {
                return DecodeError.Truncated;
            }

            var body = data.Slice(offset + Payload.HeaderSize, length - Payload.HeaderSize);
            var error = DecodeBody(next, body, out var payload);
            if (error != DecodeError.None)
            {
                return error;
            }

            result.Add(payload!);
            extents?.Add(new Range(offset, offset + length));
            offset += length;
            next = following;
        }

        if (offset != data.Length && !allowTrailing)
        {
            return DecodeError.TrailingGarbage;
        }

        payloads = result;
        return DecodeError.None;
    }

    /// <summary>
    /// Decodes one body (without its generic header) as <paramref name="type"/>. Useful on its own
    /// for a reassembled fragment or a test; the chain decoder calls it for every payload.
    /// </summary>
    public static DecodeError TryDecodeBody(PayloadType type, ReadOnlySpan<byte> body, out Payload? payload)
    {
        var error = DecodeBody(type, body, out payload);
        if (error != DecodeError.None)
        {
            payload = null;
        }

        return error;
    }

    private static DecodeError DecodeBody(PayloadType type, ReadOnlySpan<byte> body, out Payload? payload)
    {
        switch (type)
        {
            case PayloadType.SecurityAssociation:
                return SecurityAssociationPayload.TryDecodeBody(body, out payload);

            // Proposals and Transforms exist only inside an SA payload (RFC 2408 §3.5, §3.6); at the
            // top level they mean a broken or hostile chain.
            case PayloadType.Proposal:
            case PayloadType.Transform:
                payload = null;
                return DecodeError.MisplacedPayload;

            case PayloadType.KeyExchange:
                return KeyExchangePayload.TryDecodeBody(body, out payload);
            case PayloadType.Identification:
                return IdentificationPayload.TryDecodeBody(body, out payload);
            case PayloadType.Certificate:
                return CertificatePayload.TryDecodeBody(body, out payload);
            case PayloadType.CertificateRequest:
                return CertificateRequestPayload.TryDecodeBody(body, out payload);
            case PayloadType.Hash:
                return HashPayload.TryDecodeBody(body, out payload);
            case PayloadType.Signature:
                return SignaturePayload.TryDecodeBody(body, out payload);
            case PayloadType.Nonce:
                return NoncePayload.TryDecodeBody(body, out payload);
            case PayloadType.Notification:
                return NotificationPayload.TryDecodeBody(body, out payload);
            case PayloadType.Delete:
                return DeletePayload.TryDecodeBody(body, out payload);
            case PayloadType.VendorId:
                return VendorIdPayload.TryDecodeBody(body, out payload);
            case PayloadType.Attribute:
                return AttributePayload.TryDecodeBody(body, out payload);
            case PayloadType.NatDiscovery:
                return NatDiscoveryPayload.TryDecodeBody(body, draft: false, out payload);
            case PayloadType.NatDiscoveryDraft:
                return NatDiscoveryPayload.TryDecodeBody(body, draft: true, out payload);
            case PayloadType.NatOriginalAddress:
                return NatOriginalAddressPayload.TryDecodeBody(body, draft: false, out payload);
            case PayloadType.NatOriginalAddressDraft:
                return NatOriginalAddressPayload.TryDecodeBody(body, draft: true, out payload);
            case PayloadType.Fragment:
                return FragmentPayload.TryDecodeBody(body, out payload);

            // IKEv1 has no critical bit (RFC 2408 §3.2): unknown types are kept, not refused.
            default:
                payload = new UnknownPayload((byte)type, body.ToArray());
                return DecodeError.None;
        }
    }

    /// <summary>
    /// Encodes <paramref name="payloads"/> in order, each Next Payload naming the one after it and
    /// the last saying 0. Returns the bytes without an ISAKMP header; <paramref name="first"/> is the
    /// type the header (or, for an encrypted body, the header of the enclosing message) must name
    /// (<see cref="PayloadType.None"/> for an empty list). Throws <see cref="ArgumentException"/>
    /// for a payload that cannot be encoded (body over 65531 bytes, an unknown payload of type 0).
    /// <para>
    /// A payload's bytes depend only on it and on the type of the one after it, so the chain of
    /// payloads 2..n encoded alone is byte-for-byte the tail of the full chain: Quick Mode HASH(1)
    /// can be computed over <c>EncodeChain(rest)</c> before the Hash payload is put in front.
    /// </para>
    /// </summary>
    public static byte[] EncodeChain(IReadOnlyList<Payload> payloads, out PayloadType first)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var buffer = new byte[GetChainLength(payloads)];
        var writer = new WireWriter(buffer);
        WriteChain(ref writer, payloads);
        writer.EnsureFilled(buffer.Length);
        first = payloads.Count == 0 ? PayloadType.None : payloads[0].Type;
        return buffer;
    }

    /// <summary>
    /// The body of one payload without its generic header, as RFC 2409 §5 hashes take them
    /// (SAi_b, IDii_b, IDir_b...). For a payload received from the peer prefer the received bytes
    /// (<see cref="TryDecodeChain(PayloadType, ReadOnlySpan{byte}, bool, out List{Payload}, out List{Range})"/>).
    /// </summary>
    public static byte[] EncodeBody(Payload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        int length = CheckedBodyLength(payload);
        var buffer = new byte[length];
        var writer = new WireWriter(buffer);
        payload.WriteBody(ref writer);
        writer.EnsureFilled(length);
        return buffer;
    }

    /// <summary>Octets <see cref="EncodeChain"/> will produce for <paramref name="payloads"/>.</summary>
    public static int GetChainLength(IReadOnlyList<Payload> payloads)
    {
        int total = 0;
        foreach (var payload in payloads)
        {
            total = checked(total + Payload.HeaderSize + CheckedBodyLength(payload));
        }

        return total;
    }

    internal static void WriteChain(ref WireWriter writer, IReadOnlyList<Payload> payloads)
    {
        for (int i = 0; i < payloads.Count; i++)
        {
            var payload = payloads[i];
            var next = i + 1 < payloads.Count ? payloads[i + 1].Type : PayloadType.None;
            int bodyLength = CheckedBodyLength(payload);
            int start = writer.Position;
            writer.WriteByte((byte)next);
            writer.WriteByte(0);
            writer.WriteUInt16((ushort)(Payload.HeaderSize + bodyLength));
            payload.WriteBody(ref writer);
            if (writer.Position - start != Payload.HeaderSize + bodyLength)
            {
                throw new InvalidOperationException($"{payload.Type} payload wrote {writer.Position - start - Payload.HeaderSize} body bytes where its length arithmetic said {bodyLength}.");
            }
        }
    }

    private static int CheckedBodyLength(Payload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);

        // Type 0 in a Next Payload field would end the chain early on the receiving side.
        if (payload.Type == PayloadType.None)
        {
            throw new ArgumentException("A payload of type 0 cannot be encoded: 0 ends the chain.", nameof(payload));
        }

        int length = payload.GetBodyLength();
        if (length > Payload.MaxBodyLength)
        {
            throw new ArgumentException($"{payload.Type} payload body of {length} bytes does not fit a 16-bit Payload Length.", nameof(payload));
        }

        return length;
    }
}
