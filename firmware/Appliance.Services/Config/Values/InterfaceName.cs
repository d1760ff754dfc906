namespace Appliance.Services.Config.Values;

/// <summary>Linux network interface names: at most 15 bytes (IFNAMSIZ - 1), no '/', no white
/// space, not "." or "..", as the kernel's dev_valid_name() demands.</summary>
public static class InterfaceName
{
    public static string? Check(string text)
    {
        if (text.Length == 0) return "must not be empty";
        if (text.Length > 15) return "at most 15 characters";
        if (text is "." or "..") return "'.' and '..' are not interface names";
        foreach (char c in text)
            if (c <= ' ' || c >= 0x7f || c is '/' or ':')
                return $"character '{c}' is not allowed in an interface name";
        return null;
    }
}
