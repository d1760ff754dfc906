namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Certificate payload (RFC 2408 §3.9).
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Cert Encoding !                                               !
/// +-+-+-+-+-+-+-+-+                                               !
/// ~                       Certificate Data                        ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Encodings are in <see cref="CertificateEncoding"/> (X.509 signature = 4).
/// </summary>
public sealed record CertificatePayload(byte Encoding, byte[] Data) : Payload
{
    /// <summary>Body octets before the data: the encoding octet.</summary>
    public const int MinBodyLength = 1;

    public override PayloadType Type => PayloadType.Certificate;

    internal override int GetBodyLength() => checked(MinBodyLength + Data.Length);

    internal override void WriteBody(ref WireWriter writer)
    {
        writer.WriteByte(Encoding);
        writer.WriteBytes(Data);
    }

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = null;
        if (body.Length < MinBodyLength)
        {
            return DecodeError.BadLength;
        }

        payload = new CertificatePayload(body[0], body.Slice(1).ToArray());
        return DecodeError.None;
    }
}
