using System.Buffers.Binary;
using System.Text;

namespace Appliance.Protocols.L2tp;

/// <summary>What is wrong with a control message whose header was fine.</summary>
public enum L2tpMessageProblem
{
    None,
    /// <summary>AVP framing or a value length is wrong, or the first AVP is not Message Type.</summary>
    Malformed,
    /// <summary>An AVP we do not know carries the M bit (§4.1: the session or tunnel must go).</summary>
    UnknownMandatoryAvp,
    /// <summary>A mandatory hidden AVP could not be revealed (no secret, no Random Vector, wrong secret).</summary>
    HiddenNotRevealed,
}

/// <summary>
/// A decoded control message: the header, the Message Type, the AVPs with hidden values revealed
/// and known values length-checked, and the first problem found. Unknown AVPs without the M bit
/// are skipped, as §4.1 asks.
/// </summary>
public sealed class L2tpControlMessage
{
    private readonly List<L2tpAvp> _avps;

    private L2tpControlMessage(L2tpHeader header, ushort messageType, bool messageTypeMandatory, List<L2tpAvp> avps,
        L2tpMessageProblem problem, string? problemDetail)
    {
        Header = header;
        MessageType = messageType;
        MessageTypeMandatory = messageTypeMandatory;
        _avps = avps;
        Problem = problem;
        ProblemDetail = problemDetail;
    }

    public L2tpHeader Header { get; }
    /// <summary>The Message Type AVP's value; 0 for a ZLB or when none could be read.</summary>
    public ushort MessageType { get; }
    public bool MessageTypeMandatory { get; }
    public bool IsZeroLengthBody => Header.IsZeroLengthBody;
    public IReadOnlyList<L2tpAvp> Avps => _avps;
    public L2tpMessageProblem Problem { get; }
    /// <summary>Which AVP was at fault, for the Result Code's error message and the log.</summary>
    public string? ProblemDetail { get; }

    /// <summary>
    /// Decodes a control message; <paramref name="secret"/> (may be null) reveals hidden AVPs. False
    /// when the header is refused (<paramref name="headerError"/> says why) or it is a data message.
    /// True with a message whose <see cref="Problem"/> tells whether its body was sound.
    /// </summary>
    public static bool TryParse(ReadOnlyMemory<byte> datagram, byte[]? secret, out L2tpHeaderError headerError, out L2tpControlMessage? message)
    {
        message = null;
        headerError = L2tpHeader.TryDecode(datagram.Span, out var header);
        if (headerError != L2tpHeaderError.None || !header.IsControl) return false;

        var body = datagram[..header.MessageLength];
        var avps = new List<L2tpAvp>();
        ushort messageType = 0;
        bool typeMandatory = false;
        var problem = L2tpMessageProblem.None;
        string? detail = null;
        ReadOnlyMemory<byte>? randomVector = null;
        int position = header.PayloadOffset;
        while (position < body.Length)
        {
            int at = position;
            var error = L2tpAvpReader.TryRead(body, ref position, out var avp);
            if (error != L2tpAvpError.None)
            {
                (problem, detail) = (L2tpMessageProblem.Malformed, $"AVP at offset {at}: {Describe(error)}");
                break;
            }

            if (at == header.PayloadOffset)
            {
                // §3.2: Message Type comes first, is never hidden, and says what the rest means.
                if (!avp.IsIetf(L2tpAvpType.MessageType) || avp.Hidden || avp.Value.Length != 2)
                {
                    (problem, detail) = (L2tpMessageProblem.Malformed, "first AVP is not a Message Type");
                    break;
                }
                messageType = BinaryPrimitives.ReadUInt16BigEndian(avp.Value.Span);
                typeMandatory = avp.Mandatory;
                avps.Add(avp);
                continue;
            }

            if (avp.Hidden)
            {
                if (secret is not { Length: > 0 } || randomVector is not { } vector
                    || !L2tpHiddenAvp.TryReveal(avp.Type, secret, vector.Span, avp.Value.Span, out var revealed))
                {
                    if (avp.Mandatory && problem == L2tpMessageProblem.None)
                        (problem, detail) = (L2tpMessageProblem.HiddenNotRevealed, $"hidden AVP {avp.VendorId}:{avp.Type} not revealed");
                    continue;
                }
                avp = avp with { Value = revealed };
            }

            if (!L2tpAvpTypes.IsKnown(avp.VendorId, avp.Type))
            {
                if (avp.Mandatory && problem == L2tpMessageProblem.None)
                    (problem, detail) = (L2tpMessageProblem.UnknownMandatoryAvp, $"unknown mandatory AVP {avp.VendorId}:{avp.Type}");
                continue;
            }

            if (!L2tpAvpTypes.IsValidLength((L2tpAvpType)avp.Type, avp.Value.Length))
            {
                (problem, detail) = (L2tpMessageProblem.Malformed, $"AVP {avp.Type} has a value of {avp.Value.Length} bytes");
                break;
            }

            // §4.3: a Random Vector applies to the hidden AVPs after it, until the next one.
            if (avp.IsIetf(L2tpAvpType.RandomVector)) randomVector = avp.Value;
            avps.Add(avp);
        }

        message = new L2tpControlMessage(header, messageType, typeMandatory, avps, problem, detail);
        return true;
    }

    public L2tpAvp? Find(L2tpAvpType type)
    {
        foreach (var avp in _avps)
            if (avp.IsIetf(type)) return avp;
        return null;
    }

    public bool Has(L2tpAvpType type) => Find(type) is not null;

    /// <summary>A 2-byte value (its length was checked at parse time).</summary>
    public ushort? UInt16(L2tpAvpType type) =>
        Find(type) is { } avp && avp.Value.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(avp.Value.Span) : null;

    public uint? UInt32(L2tpAvpType type) =>
        Find(type) is { } avp && avp.Value.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(avp.Value.Span) : null;

    public ReadOnlyMemory<byte>? Bytes(L2tpAvpType type) => Find(type)?.Value;

    /// <summary>
    /// A peer-supplied string made safe to show: trailing NULs dropped (macOS ends its host name
    /// with one), control characters replaced, invalid UTF-8 replaced.
    /// </summary>
    public string? Text(L2tpAvpType type) => Find(type) is { } avp ? Printable(avp.Value.Span) : null;

    /// <summary>The Result Code AVP: result, error code and error message when present.</summary>
    public (ushort Result, ushort? Error, string? Message)? ResultCode()
    {
        if (Find(L2tpAvpType.ResultCode) is not { } avp) return null;
        var value = avp.Value.Span;
        ushort result = BinaryPrimitives.ReadUInt16BigEndian(value);
        ushort? error = value.Length >= 4 ? BinaryPrimitives.ReadUInt16BigEndian(value[2..]) : null;
        string? text = value.Length > 4 ? Printable(value[4..]) : null;
        return (result, error, text);
    }

    internal static string Printable(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.Length;
        while (end > 0 && bytes[end - 1] == 0) end--;
        var text = new StringBuilder(Encoding.UTF8.GetString(bytes[..end]));
        for (int i = 0; i < text.Length; i++)
            if (char.IsControl(text[i])) text[i] = '?';
        return text.ToString();
    }

    private static string Describe(L2tpAvpError error) => error switch
    {
        L2tpAvpError.Truncated => "truncated",
        L2tpAvpError.LengthTooShort => "length below 6",
        _ => "length beyond the message",
    };
}
