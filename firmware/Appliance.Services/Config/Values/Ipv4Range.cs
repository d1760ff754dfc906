namespace Appliance.Services.Config.Values;

/// <summary>An inclusive range of IPv4 addresses, as in "192.168.8.200-192.168.8.249".</summary>
public readonly record struct Ipv4Range(uint First, uint Last)
{
    /// <summary>A pool larger than this is a typing mistake on a box of this size.</summary>
    public const int MaxSize = 4096;

    public long Size => (long)Last - First + 1;
    public bool Contains(uint address) => address >= First && address <= Last;
    public override string ToString() => $"{Ipv4.Format(First)}-{Ipv4.Format(Last)}";

    public static string? TryParse(string text, out Ipv4Range range)
    {
        range = default;
        int dash = text.IndexOf('-');
        if (dash < 0) return "expected FIRST-LAST, e.g. 192.168.8.200-192.168.8.249";
        string a = text[..dash].Trim(), b = text[(dash + 1)..].Trim();
        if (!Ipv4.TryParse(a, out uint first)) return $"'{a}' is not an IPv4 address";
        if (!Ipv4.TryParse(b, out uint last)) return $"'{b}' is not an IPv4 address";
        if (last < first) return "the last address is below the first";
        if (Ipv4.RejectSpecial(first) is { } s1) return s1;
        if (Ipv4.RejectSpecial(last) is { } s2) return s2;
        range = new Ipv4Range(first, last);
        if (range.Size > MaxSize) return $"the range holds {range.Size} addresses; at most {MaxSize} are allowed";
        return null;
    }
}
