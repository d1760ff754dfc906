namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Nonce payload (RFC 2408 §3.13).
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                            Nonce Data                         ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record NoncePayload(byte[] Data) : Payload
{
    /// <summary>RFC 2409 §5: "The length of nonce payload MUST be between 8 and 256 bytes inclusive."</summary>
    public const int MinDataLength = 8;

    /// <inheritdoc cref="MinDataLength"/>
    public const int MaxDataLength = 256;

    public override PayloadType Type => PayloadType.Nonce;

    internal override int GetBodyLength() => Data.Length;

    internal override void WriteBody(ref WireWriter writer) => writer.WriteBytes(Data);

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = null;

        // RFC 2409 §5 bounds the nonce at 8..256 bytes; outside it the payload is malformed.
        if (body.Length < MinDataLength || body.Length > MaxDataLength)
        {
            return DecodeError.BadLength;
        }

        payload = new NoncePayload(body.ToArray());
        return DecodeError.None;
    }
}
