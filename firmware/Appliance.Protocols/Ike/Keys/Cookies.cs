using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Keys;

/// <summary>The two ISAKMP cookies as the 8-byte strings the RFC 2409 formulas concatenate.</summary>
public readonly record struct Cookies(ulong Initiator, ulong Responder)
{
    public byte[] InitiatorBytes => Bytes(Initiator);
    public byte[] ResponderBytes => Bytes(Responder);

    private static byte[] Bytes(ulong cookie)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, cookie);
        return b;
    }
}
