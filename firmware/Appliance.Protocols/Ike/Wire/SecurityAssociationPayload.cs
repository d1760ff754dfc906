using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Security Association payload (RFC 2408 §3.4) with the IPsec DOI situation (RFC 2407 §4.6.1).
/// The Proposals and their Transforms nest inside its Payload Length.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ! Next Payload  !   RESERVED    !         Payload Length        !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !              Domain of Interpretation  (DOI)                  !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// !                           Situation                           !
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                 Proposals (RFC 2408 §3.5), 1..n               ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The situation is taken as the 4-byte IPsec DOI bitmap. SIT_SECRECY / SIT_INTEGRITY would add
/// labelled-domain fields after it (RFC 2407 §4.6.1); no L2TP client sends them, and such an SA
/// fails to decode as <see cref="DecodeError.BadProposal"/>.
/// </summary>
public sealed record SecurityAssociationPayload(uint Doi, uint Situation, IReadOnlyList<Proposal> Proposals) : Payload
{
    /// <summary>Body octets before the proposals: DOI 4 + Situation 4.</summary>
    public const int MinBodyLength = 8;

    /// <summary>Most proposals accepted in one SA.</summary>
    public const int MaxProposals = 64;

    public override PayloadType Type => PayloadType.SecurityAssociation;

    internal override int GetBodyLength()
    {
        int length = MinBodyLength;
        foreach (var proposal in Proposals)
        {
            length = checked(length + proposal.GetEncodedLength());
        }

        return length;
    }

    internal override void WriteBody(ref WireWriter writer)
    {
        writer.WriteUInt32(Doi);
        writer.WriteUInt32(Situation);
        for (int i = 0; i < Proposals.Count; i++)
        {
            Proposals[i].Write(ref writer, last: i == Proposals.Count - 1);
        }
    }

    internal static DecodeError TryDecodeBody(ReadOnlySpan<byte> body, out Payload? payload)
    {
        payload = null;
        if (body.Length < MinBodyLength)
        {
            return DecodeError.BadLength;
        }

        uint doi = BinaryPrimitives.ReadUInt32BigEndian(body.Slice(0, 4));
        uint situation = BinaryPrimitives.ReadUInt32BigEndian(body.Slice(4, 4));
        var rest = body.Slice(MinBodyLength);

        // At least one proposal: an SA that offers nothing is malformed (RFC 2408 §3.4).
        if (rest.IsEmpty)
        {
            return DecodeError.BadProposal;
        }

        var proposals = new List<Proposal>();
        byte next = (byte)PayloadType.Proposal;
        while (next != (byte)PayloadType.None)
        {
            if (proposals.Count >= MaxProposals)
            {
                return DecodeError.TooManyPayloads;
            }

            var error = Proposal.TryDecode(rest, out var proposal, out int length, out next);
            if (error != DecodeError.None)
            {
                return error;
            }

            proposals.Add(proposal!);
            rest = rest.Slice(length);
        }

        // The last proposal (Next Payload 0) must end the SA payload exactly.
        if (!rest.IsEmpty)
        {
            return DecodeError.BadProposal;
        }

        payload = new SecurityAssociationPayload(doi, situation, proposals);
        return DecodeError.None;
    }
}
