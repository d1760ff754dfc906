namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Signature payload (RFC 2408 §3.12): SIG_I/SIG_R for RSA-signature authentication (RFC 2409 §5.1).
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                         Signature Data                        ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record SignaturePayload(byte[] Data) : Payload
{
    public override PayloadType Type => PayloadType.Signature;

    internal override int GetBodyLength() => Data.Length;

    internal override void WriteBody(ref WireWriter writer) => writer.WriteBytes(Data);

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = new SignaturePayload(body.ToArray());
        return DecodeError.None;
    }
}
