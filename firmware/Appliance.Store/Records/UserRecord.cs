namespace Appliance.Store.Records;

/// <summary>A VPN user as kept at rest.</summary>
/// <param name="Name">The PPP user name as the admin typed it. Names are unique and looked up
/// without regard to case (the store's collation): phones capitalize the first letter of the
/// user-name field, and "Alice" and "alice" being two accounts would only confuse.</param>
/// <param name="NtHash">MD4 of the UTF-16LE password: all MS-CHAPv2 needs (RFC 2759).</param>
/// <param name="SealedPassword">The password sealed with the device key; CHAP-MD5 and PAP need the
/// password itself, and sealing keeps it out of a copied or exported database.</param>
/// <param name="StaticAddress">An IPv4 address this user always gets, or null for the pool.</param>
public sealed record UserRecord(
    string Name,
    bool Enabled,
    byte[] NtHash,
    byte[] SealedPassword,
    string? StaticAddress,
    DateTime CreatedUtc);
