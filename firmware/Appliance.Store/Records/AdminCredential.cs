namespace Appliance.Store.Records;

/// <summary>The web admin's password, as a PBKDF2-SHA256 hash. There is no default: until one is
/// set the web page only offers first-boot setup.</summary>
public sealed record AdminCredential(byte[] Salt, byte[] Hash, int Iterations, DateTime SetUtc);
