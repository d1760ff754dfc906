using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Proposal substructure of an SA payload (RFC 2408 §3.5). Proposals with the same number form
/// one AND-ed bundle (e.g. AH + ESP); different numbers are alternatives (RFC 2408 §4.2).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !  Proposal #   !  Protocol-Id  !    SPI Size   !# of Transforms!
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !                        SPI (variable)                         !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                     Transforms (RFC 2408 §3.6)                ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Next Payload is 2 (another Proposal follows) or 0 (last); Payload Length covers the SPI and
/// all transforms.
/// </summary>
public sealed record Proposal(byte Number, ProtocolId Protocol, byte[] Spi, IReadOnlyList<Transform> Transforms)
{
    /// <summary>Octets before the SPI: generic header 4 + number, protocol, SPI size, count.</summary>
    public const int FixedSize = 8;

    /// <summary>Most transforms accepted in one proposal (macOS offers 14 in one proposal).</summary>
    public const int MaxTransforms = 64;

    /// <summary>Octets on the wire, header included.</summary>
    internal int GetEncodedLength()
    {
        int length = checked(FixedSize + Spi.Length);
        foreach (var transform in Transforms)
        {
            length = checked(length + transform.GetEncodedLength());
        }

        return length;
    }

    internal void Write(ref WireWriter writer, bool last)
    {
        int length = GetEncodedLength();
        if (length > ushort.MaxValue || Spi.Length > byte.MaxValue || Transforms.Count > byte.MaxValue)
        {
            throw new ArgumentException($"Proposal {Number} does not fit its 16-bit length, 8-bit SPI size or 8-bit transform count.");
        }

        writer.WriteByte(last ? (byte)PayloadType.None : (byte)PayloadType.Proposal);
        writer.WriteByte(0);
        writer.WriteUInt16((ushort)length);
        writer.WriteByte(Number);
        writer.WriteByte((byte)Protocol);
        writer.WriteByte((byte)Spi.Length);
        writer.WriteByte((byte)Transforms.Count);
        writer.WriteBytes(Spi);
        for (int i = 0; i < Transforms.Count; i++)
        {
            Transforms[i].Write(ref writer, last: i == Transforms.Count - 1);
        }
    }

    /// <summary>
    /// Decodes the proposal at the start of <paramref name="data"/> (the rest of the SA body) and
    /// reports its length and Next Payload.
    /// </summary>
    internal static DecodeError TryDecode(ReadOnlySpan<byte> data, out Proposal? proposal, out int length, out byte next)
    {
        proposal = null;
        length = 0;
        next = 0;

        if (data.Length < FixedSize)
        {
            return DecodeError.BadProposal;
        }

        next = data[0];
        length = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(2, 2));
        byte number = data[4];
        var protocol = (ProtocolId)data[5];
        int spiSize = data[6];
        int declaredTransforms = data[7];

        // RFC 2408 §3.5: Next Payload is 2 or 0, nothing else.
        if (next != (byte)PayloadType.Proposal && next != (byte)PayloadType.None)
        {
            return DecodeError.BadProposal;
        }

        // Inner length against the outer (SA) one, and room for the SPI, before anything is read.
        if (length < FixedSize + spiSize || length > data.Length)
        {
            return DecodeError.BadProposal;
        }

        if (!IsValidSpiSize(protocol, spiSize))
        {
            return DecodeError.BadSpiSize;
        }

        // A proposal offers at least one transform (RFC 2408 §3.5); the count is only a cross-check
        // below, never an allocation size.
        if (declaredTransforms == 0)
        {
            return DecodeError.BadProposal;
        }

        if (declaredTransforms > MaxTransforms)
        {
            return DecodeError.TooManyPayloads;
        }

        byte[] spi = data.Slice(FixedSize, spiSize).ToArray();
        var rest = data.Slice(FixedSize + spiSize, length - FixedSize - spiSize);
        var transforms = new List<Transform>();
        byte transformNext = (byte)PayloadType.Transform;
        while (transformNext != (byte)PayloadType.None)
        {
            // More transforms than declared: the count field and the chain disagree.
            if (transforms.Count >= declaredTransforms)
            {
                return DecodeError.BadProposal;
            }

            var error = Transform.TryDecode(rest, out var transform, out int transformLength, out transformNext);
            if (error != DecodeError.None)
            {
                return error;
            }

            transforms.Add(transform!);
            rest = rest.Slice(transformLength);
        }

        // "# of Transforms" must match the chain, and the last transform must end the proposal.
        if (transforms.Count != declaredTransforms || !rest.IsEmpty)
        {
            return DecodeError.BadProposal;
        }

        proposal = new Proposal(number, protocol, spi, transforms);
        return DecodeError.None;
    }

    /// <summary>
    /// SPI sizes a protocol may carry. ISAKMP: RFC 2408 §2.4 makes the cookie pair the phase-1 SPI
    /// and RFC 2409 §5 tells the responder to ignore the field, so 0 (what Windows, racoon and
    /// strongSwan send) up to 16 is accepted. AH and ESP: 4 (RFC 2407 §4.4.1). IPComp: a 2-byte CPI,
    /// which some send in 4 bytes (RFC 3173 §4.1, RFC 2407 §4.4.1). Other protocols: whatever fits.
    /// </summary>
    private static bool IsValidSpiSize(ProtocolId protocol, int spiSize) => protocol switch
    {
        ProtocolId.Isakmp => spiSize <= 16,
        ProtocolId.AH or ProtocolId.Esp => spiSize == 4,
        ProtocolId.IpComp => spiSize is 2 or 4,
        _ => true,
    };
}
