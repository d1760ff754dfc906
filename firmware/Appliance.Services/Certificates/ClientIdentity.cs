namespace Appliance.Services.Certificates;

/// <summary>
/// The identity a client certificate carries besides its CN. An IKE client names itself with the
/// certificate's subject DN, or with an FQDN or user FQDN that must then be in the SAN
/// (RFC 4945 §3.1): "alice@example.org" becomes an rfc822Name (ID_USER_FQDN), any other name a
/// dNSName (ID_FQDN), which is how strongSwan types an identity written without '@'.
/// </summary>
public sealed record ClientIdentity(string Name, bool IsEmail)
{
    public const int MaxLength = 64;

    public static string? TryParse(string name, out ClientIdentity? identity)
    {
        identity = null;
        if (name.Length == 0) return "must not be empty";
        if (name.Length > MaxLength) return $"at most {MaxLength} characters";
        int at = name.IndexOf('@');
        if (at >= 0 && (at == 0 || at == name.Length - 1 || name.IndexOf('@', at + 1) >= 0))
            return "an e-mail style name needs exactly one '@' with text on both sides";
        foreach (char c in name)
        {
            // The SAN holds an IA5String; the characters an identity can be typed with in every
            // client's ID field, and without quoting in strongSwan's configuration.
            if (!(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '.' or '-' or '_' or '@' or '+'))
                return "only letters, digits and . - _ + @ are allowed (the name goes into the certificate)";
        }
        identity = new ClientIdentity(name, at > 0);
        return null;
    }
}
