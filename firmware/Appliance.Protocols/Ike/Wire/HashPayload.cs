namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Hash payload (RFC 2408 §3.11): HASH_I/HASH_R in phase 1, HASH(1..3) in Quick Mode, the
/// informational HASH(1) (RFC 2409 §5.5, §5.7).
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                           Hash Data                           ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record HashPayload(byte[] Data) : Payload
{
    /// <summary>The longest PRF output in use (HMAC-SHA2-512, 64 bytes); longer is <see cref="DecodeError.PayloadTooLong"/>.</summary>
    public const int MaxDataLength = 64;

    public override PayloadType Type => PayloadType.Hash;

    internal override int GetBodyLength() => Data.Length;

    internal override void WriteBody(ref WireWriter writer) => writer.WriteBytes(Data);

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = null;
        if (body.Length > MaxDataLength)
        {
            return DecodeError.PayloadTooLong;
        }

        payload = new HashPayload(body.ToArray());
        return DecodeError.None;
    }
}
