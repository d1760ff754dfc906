namespace Appliance.Services.Config.Values;

/// <summary>A host address with its prefix length, as in "192.168.8.1/24".</summary>
public readonly record struct Ipv4Cidr(uint Address, int PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);
    public uint Network => Address & Mask;
    public uint Broadcast => Network | ~Mask;
    public bool Contains(uint address) => (address & Mask) == Network;
    public override string ToString() => $"{Ipv4.Format(Address)}/{PrefixLength}";

    /// <summary>Parses a LAN interface address; returns the reason on failure.</summary>
    public static string? TryParseHost(string text, out Ipv4Cidr cidr)
    {
        cidr = default;
        int slash = text.IndexOf('/');
        if (slash < 0) return "expected ADDRESS/PREFIX, e.g. 192.168.8.1/24";
        if (!Ipv4.TryParse(text[..slash], out uint address)) return $"'{text[..slash]}' is not an IPv4 address";
        if (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out int prefix)
            || prefix < 8 || prefix > 30)
            return "prefix length must be a number from 8 to 30";
        if (Ipv4.RejectSpecial(address) is { } special) return special;
        cidr = new Ipv4Cidr(address, prefix);
        if (address == cidr.Network) return "the address is the network address of its subnet";
        if (address == cidr.Broadcast) return "the address is the broadcast address of its subnet";
        return null;
    }
}
