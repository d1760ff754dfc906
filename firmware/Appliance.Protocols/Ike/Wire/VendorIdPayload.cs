namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Vendor ID payload (RFC 2408 §3.16): an opaque marker, usually an MD5 hash of a string, sometimes
/// followed by version or flag bytes (see <see cref="KnownVendorIds"/>).
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                        Vendor ID (VID)                        ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record VendorIdPayload(byte[] Data) : Payload
{
    public override PayloadType Type => PayloadType.VendorId;

    internal override int GetBodyLength() => Data.Length;

    internal override void WriteBody(ref WireWriter writer) => writer.WriteBytes(Data);

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = new VendorIdPayload(body.ToArray());
        return DecodeError.None;
    }
}
