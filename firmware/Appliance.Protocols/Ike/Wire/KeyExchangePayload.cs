namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Key Exchange payload (RFC 2408 §3.7): the Diffie-Hellman public value g^x.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                       Key Exchange Data                       ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The codec bounds the data at <see cref="MaxDataLength"/>; whether the length matches the
/// negotiated group is the state machine's check.
/// </summary>
public sealed record KeyExchangePayload(byte[] Data) : Payload
{
    /// <summary>
    /// The largest public value of any group we could ever negotiate: MODP-8192 (RFC 3526 §7) is
    /// 1024 bytes; ECP groups are far smaller. Anything longer is <see cref="DecodeError.PayloadTooLong"/>.
    /// </summary>
    public const int MaxDataLength = 1024;

    public override PayloadType Type => PayloadType.KeyExchange;

    internal override int GetBodyLength() => Data.Length;

    internal override void WriteBody(ref WireWriter writer) => writer.WriteBytes(Data);

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = null;
        if (body.Length > MaxDataLength)
        {
            return DecodeError.PayloadTooLong;
        }

        payload = new KeyExchangePayload(body.ToArray());
        return DecodeError.None;
    }
}
