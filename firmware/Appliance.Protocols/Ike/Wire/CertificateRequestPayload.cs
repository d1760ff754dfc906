namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Certificate Request payload (RFC 2408 §3.10). <see cref="Authority"/> is usually a DER
/// distinguished name, and may be empty ("any CA").
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !  Cert. Type   !                                               !
/// +-+-+-+-+-+-+-+-+                                               !
/// ~                    Certificate Authority                      ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record CertificateRequestPayload(byte Encoding, byte[] Authority) : Payload
{
    /// <summary>Body octets before the authority: the certificate type octet.</summary>
    public const int MinBodyLength = 1;

    public override PayloadType Type => PayloadType.CertificateRequest;

    internal override int GetBodyLength() => checked(MinBodyLength + Authority.Length);

    internal override void WriteBody(ref WireWriter writer)
    {
        writer.WriteByte(Encoding);
        writer.WriteBytes(Authority);
    }

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = null;
        if (body.Length < MinBodyLength)
        {
            return DecodeError.BadLength;
        }

        payload = new CertificateRequestPayload(body[0], body.Slice(1).ToArray());
        return DecodeError.None;
    }
}
