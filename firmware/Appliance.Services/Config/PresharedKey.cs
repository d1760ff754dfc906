namespace Appliance.Services.Config;

/// <summary>Rules and the factory default for <c>vpn.psk</c>.</summary>
internal static class PresharedKey
{
    // No 0/O, 1/l/I: people copy the key from the admin page into a phone by hand.
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private const int Groups = 5, GroupLength = 4;

    /// <summary>20 characters from a 57-letter alphabet, about 116 bits, in groups of four.</summary>
    public static string Generate(Func<int, int> randomBelow)
    {
        var chars = new char[Groups * GroupLength + Groups - 1];
        int at = 0;
        for (int g = 0; g < Groups; g++)
        {
            if (g > 0) chars[at++] = '-';
            for (int i = 0; i < GroupLength; i++) chars[at++] = Alphabet[randomBelow(Alphabet.Length)];
        }
        return new string(chars);
    }

    public static string? Check(string value)
    {
        if (value.Length < 8) return "must be at least 8 characters";
        if (value.Length > 128) return "must be at most 128 characters";
        foreach (char c in value)
            if (c < 0x20 || c > 0x7e)
                return "only printable ASCII characters can be typed into every client";
        if (value[0] == ' ' || value[^1] == ' ') return "must not begin or end with a space (clients trim it)";
        return null;
    }
}
