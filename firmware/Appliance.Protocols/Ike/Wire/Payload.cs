namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// One top-level ISAKMP payload. Every payload starts with the generic header (RFC 2408 §3.2),
/// which <see cref="PayloadCodec"/> reads and writes; the derived types hold only the body:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Payload Length counts the 4 header octets. The set of payload types is closed: the internal
/// abstract members keep other assemblies from adding one.
/// <para>
/// Records compare <c>byte[]</c> and list members by reference; compare payloads by their encoding
/// (<see cref="PayloadCodec.EncodeBody"/>) when value equality is wanted.
/// </para>
/// </summary>
public abstract record Payload
{
    /// <summary>Octets of the generic payload header.</summary>
    public const int HeaderSize = 4;

    /// <summary>Largest body a 16-bit Payload Length can describe.</summary>
    public const int MaxBodyLength = ushort.MaxValue - HeaderSize;

    /// <summary>The value that goes in the previous payload's (or the header's) Next Payload field.</summary>
    public abstract PayloadType Type { get; }

    /// <summary>Exact octets of the body, without the generic header.</summary>
    internal abstract int GetBodyLength();

    /// <summary>Writes exactly <see cref="GetBodyLength"/> octets.</summary>
    internal abstract void WriteBody(ref WireWriter writer);
}
