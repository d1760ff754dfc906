using System.Net;

namespace Appliance.Protocols.Ppp;

/// <summary>
/// What the host knows about users and addresses. Called synchronously from the session; a host
/// with several sessions must make address allocation consistent across them.
/// </summary>
public interface IPppAuthority
{
    /// <summary>
    /// The user's secrets, or null when no such user exists. <paramref name="userName"/> is the
    /// name the peer sent without any "DOMAIN\" prefix; matching it without regard to case is up to
    /// the host. Return fresh arrays: the session wipes them after use.
    /// </summary>
    PppUserSecret? FindUser(string userName);

    /// <summary>The user's static address or one from the pool; null when the pool is exhausted.</summary>
    IPAddress? AllocateAddress(string userName);

    /// <summary>Gives back an address from <see cref="AllocateAddress"/>.</summary>
    void ReleaseAddress(IPAddress address);
}

/// <summary>
/// A user's credentials as the store keeps them. <see cref="NtPasswordHash"/> (MD4 of the
/// UTF-16LE password, 16 bytes) is all MS-CHAPv2 needs; CHAP-MD5 and PAP need the password itself
/// (<see cref="Password"/>, UTF-8), and fail for this user with a logged reason when it is null.
/// The session zeroes both arrays once it has used them.
/// </summary>
public sealed class PppUserSecret(byte[] ntPasswordHash, byte[]? password, bool enabled)
{
    public byte[] NtPasswordHash { get; } = ntPasswordHash;
    public byte[]? Password { get; } = password;
    public bool Enabled { get; } = enabled;

    internal void Wipe()
    {
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(NtPasswordHash);
        if (Password is not null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(Password);
    }
}
