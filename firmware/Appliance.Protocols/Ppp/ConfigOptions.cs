namespace Appliance.Protocols.Ppp;

/// <summary>One Type/Length/Data configuration option (RFC 1661 §6) inside a Configure-* packet.</summary>
internal readonly ref struct ConfigOption(ReadOnlySpan<byte> whole)
{
    public byte Type => Whole[0];

    /// <summary>Type, Length and Data: what a Configure-Reject or -Ack echoes verbatim.</summary>
    public ReadOnlySpan<byte> Whole { get; } = whole;

    public ReadOnlySpan<byte> Data => Whole[2..];
}

/// <summary>
/// Walks an option list. <see cref="IsWellFormed"/> first: a list with an option shorter than its
/// own header or running past the packet is invalid as a whole and the packet is discarded.
/// </summary>
internal ref struct ConfigOptionReader(ReadOnlySpan<byte> options)
{
    private readonly ReadOnlySpan<byte> _options = options;
    private int _offset;

    public ConfigOption Current { get; private set; }

    public static bool IsWellFormed(ReadOnlySpan<byte> options)
    {
        int offset = 0;
        while (offset < options.Length)
        {
            if (options.Length - offset < 2) return false;
            int length = options[offset + 1];
            if (length < 2 || length > options.Length - offset) return false;
            offset += length;
        }
        return true;
    }

    public readonly ConfigOptionReader GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_options.Length - _offset < 2) return false;
        int length = _options[_offset + 1];
        if (length < 2 || length > _options.Length - _offset) return false;
        Current = new ConfigOption(_options.Slice(_offset, length));
        _offset += length;
        return true;
    }

    /// <summary>Whether <paramref name="option"/> occurs byte for byte in <paramref name="options"/>.</summary>
    public static bool Contains(ReadOnlySpan<byte> options, ReadOnlySpan<byte> option)
    {
        foreach (var candidate in new ConfigOptionReader(options))
            if (candidate.Whole.SequenceEqual(option)) return true;
        return false;
    }
}
