using System.Text;

namespace Appliance.Protocols.Ppp;

/// <summary>
/// The user name from a CHAP Response or PAP Authenticate-Request, as the key the host looks up:
/// without a "DOMAIN\" prefix (Windows adds one when the user fills in the domain field), UTF-8,
/// no control characters, at most 255 bytes.
/// </summary>
internal static class PeerUserName
{
    public const int MaxBytes = 255;

    public static bool TryDecode(ReadOnlySpan<byte> raw, out string userName, out string problem)
    {
        userName = string.Empty;
        problem = string.Empty;
        var name = Crypto.MsChapV2.UserNameWithoutDomain(raw);
        if (name.IsEmpty)
        {
            problem = "empty user name";
            return false;
        }
        if (name.Length > MaxBytes)
        {
            problem = "user name too long";
            return false;
        }
        if (!System.Text.Unicode.Utf8.IsValid(name))
        {
            problem = "user name is not UTF-8";
            return false;
        }
        userName = Encoding.UTF8.GetString(name);
        foreach (char c in userName)
        {
            if (char.IsControl(c))
            {
                userName = string.Empty;
                problem = "user name contains control characters";
                return false;
            }
        }
        return true;
    }

    /// <summary>A printable, bounded version of a name that failed to decode, for the log.</summary>
    public static string ForLog(ReadOnlySpan<byte> raw) => PrintableText.From(raw, 64);
}

/// <summary>Peer-supplied bytes made safe to show: printable ASCII kept, anything else '?', bounded.</summary>
internal static class PrintableText
{
    public static string From(ReadOnlySpan<byte> bytes, int maxLength)
    {
        var text = new StringBuilder(Math.Min(bytes.Length, maxLength));
        foreach (byte b in bytes)
        {
            if (text.Length >= maxLength) break;
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }
        return text.ToString().Trim();
    }
}
