namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Whole ISAKMP messages: the <see cref="IsakmpHeader"/> followed by a payload chain
/// (<see cref="PayloadCodec"/>), in the clear or, with the E flag, encrypted (RFC 2409 §5.3).
/// </summary>
public static class IkeMessage
{
    /// <summary>
    /// Encodes an unencrypted message. The header's NextPayload and Length are ignored and
    /// written from the payloads; everything else (cookies, version, exchange, flags, message ID)
    /// is written as given.
    /// </summary>
    public static byte[] Encode(IsakmpHeader header, IReadOnlyList<Payload> payloads)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        int length = checked(IsakmpHeader.Size + PayloadCodec.GetChainLength(payloads));
        var buffer = new byte[length];
        var first = payloads.Count == 0 ? PayloadType.None : payloads[0].Type;
        (header with { NextPayload = first, Length = (uint)length }).Encode(buffer);
        var writer = new WireWriter(buffer.AsSpan(IsakmpHeader.Size));
        PayloadCodec.WriteChain(ref writer, payloads);
        writer.EnsureFilled(length - IsakmpHeader.Size);
        return buffer;
    }

    /// <summary>
    /// Encodes a message whose body is already encrypted (padding included). <paramref name="first"/>
    /// is the type of the first payload inside the encrypted body (from
    /// <see cref="PayloadCodec.EncodeChain"/>). The E flag is set whatever the header says, since
    /// the body is ciphertext; Length is written from the body.
    /// </summary>
    public static byte[] EncodeEncrypted(IsakmpHeader header, PayloadType first, ReadOnlySpan<byte> encryptedBody)
    {
        int length = checked(IsakmpHeader.Size + encryptedBody.Length);
        var buffer = new byte[length];
        var written = header with
        {
            NextPayload = first,
            Flags = header.Flags | IsakmpFlags.Encryption,
            Length = (uint)length,
        };
        written.Encode(buffer);
        encryptedBody.CopyTo(buffer.AsSpan(IsakmpHeader.Size));
        return buffer;
    }

    /// <summary>
    /// The bytes after the header up to the header's Length: the payload chain, or the ciphertext
    /// when <see cref="IsakmpHeader.IsEncrypted"/>. <paramref name="header"/> must come from
    /// <see cref="IsakmpHeader.TryDecode"/> on the same <paramref name="datagram"/>, which has
    /// already checked 28 &lt;= Length &lt;= datagram length.
    /// </summary>
    public static ReadOnlySpan<byte> GetBody(ReadOnlySpan<byte> datagram, in IsakmpHeader header) =>
        datagram.Slice(IsakmpHeader.Size, (int)header.Length - IsakmpHeader.Size);

    /// <summary>
    /// Decodes an unencrypted message (Main Mode 1-4, Aggressive Mode, a fragment carrier, an
    /// unprotected Informational). Bytes after the header's Length are ignored (see
    /// <see cref="IsakmpHeader.TryDecode"/>); bytes between the last payload and Length are
    /// <see cref="DecodeError.TrailingGarbage"/>. When the E flag is set the header is returned,
    /// <paramref name="payloads"/> is empty and the result is <see cref="DecodeError.UnexpectedEncryption"/>:
    /// decrypt <see cref="GetBody"/> and use <see cref="PayloadCodec.TryDecodeChain(PayloadType, ReadOnlySpan{byte}, bool, out List{Payload})"/>.
    /// </summary>
    public static DecodeError TryDecode(ReadOnlySpan<byte> datagram, out IsakmpHeader header, out List<Payload> payloads)
    {
        payloads = [];
        var error = IsakmpHeader.TryDecode(datagram, out header);
        if (error != DecodeError.None)
        {
            return error;
        }

        if (header.IsEncrypted)
        {
            return DecodeError.UnexpectedEncryption;
        }

        return PayloadCodec.TryDecodeChain(header.NextPayload, GetBody(datagram, header), allowTrailing: false, out payloads);
    }
}
