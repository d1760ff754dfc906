namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// A payload of a type this codec does not model, kept whole. IKEv1 has no critical bit
/// (RFC 2408 §3.2 has only a RESERVED octet where IKEv2 put one), so an unknown type is not an
/// error at this layer; the state machine may ignore it or answer INVALID-PAYLOAD-TYPE.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                        (opaque body)                          ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record UnknownPayload(byte RawType, byte[] Data) : Payload
{
    public override PayloadType Type => (PayloadType)RawType;

    internal override int GetBodyLength() => Data.Length;

    internal override void WriteBody(ref WireWriter writer) => writer.WriteBytes(Data);
}
