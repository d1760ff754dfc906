using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// The MS-CHAPv2 computations of RFC 2759 §8, named after the RFC's pseudo-code routines so the two
/// can be read side by side. The L2TP/PPP layer uses the server half (<see cref="VerifyNTResponse"/>,
/// <see cref="GenerateAuthenticatorResponse(ReadOnlySpan{char}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>);
/// the client half exists for tests and diagnostics. MPPE key derivation (RFC 3079) is not needed
/// over IPsec and is not provided.
/// <para>
/// UserName is the ASCII name as sent by the peer minus any "DOMAIN\" prefix (RFC 2759 §8.2); see
/// <see cref="UserNameWithoutDomain"/>. Passwords are at most 256 UTF-16 characters (§8.3).
/// </para>
/// </summary>
public static class MsChapV2
{
    /// <summary>Length of the authenticator and peer challenges.</summary>
    public const int ChallengeSize = 16;

    /// <summary>Length of the NT password hash.</summary>
    public const int PasswordHashSize = 16;

    /// <summary>Length of the NT-Response.</summary>
    public const int NTResponseSize = 24;

    /// <summary>Length of the "S=" + 40 hex digit authenticator response.</summary>
    public const int AuthenticatorResponseSize = 42;

    /// <summary>Maximum password length in characters (RFC 2759 §8.3).</summary>
    public const int MaxPasswordLength = 256;

    private const int ChallengeHashSize = 8;

    /// <summary>RFC 2759 §8.7 Magic1.</summary>
    private static ReadOnlySpan<byte> Magic1 => "Magic server to client signing constant"u8;

    /// <summary>RFC 2759 §8.7 Magic2.</summary>
    private static ReadOnlySpan<byte> Magic2 => "Pad to make it do more than one iteration"u8;

    /// <summary>
    /// Returns the part of a peer-supplied user name after the last backslash, since Windows clients
    /// send "DOMAIN\user" but ChallengeHash uses only the user name (RFC 2759 §8.2).
    /// </summary>
    public static ReadOnlySpan<byte> UserNameWithoutDomain(ReadOnlySpan<byte> userName)
    {
        int slash = userName.LastIndexOf((byte)'\\');
        return slash < 0 ? userName : userName[(slash + 1)..];
    }

    /// <summary>NtPasswordHash (RFC 2759 §8.3): MD4 of the UTF-16LE password.</summary>
    public static byte[] NtPasswordHash(ReadOnlySpan<char> password)
    {
        var hash = new byte[PasswordHashSize];
        NtPasswordHash(password, hash);
        return hash;
    }

    /// <summary>NtPasswordHash (RFC 2759 §8.3) into the first 16 bytes of <paramref name="passwordHash"/>.</summary>
    public static void NtPasswordHash(ReadOnlySpan<char> password, Span<byte> passwordHash)
    {
        if (password.Length > MaxPasswordLength)
        {
            throw new ArgumentException($"Password must be at most {MaxPasswordLength} characters.", nameof(password));
        }

        // Raw UTF-16LE code units, as Windows hashes its UNICODE_STRING; an Encoding would replace
        // unpaired surrogates and so disagree with the client.
        Span<byte> unicode = stackalloc byte[MaxPasswordLength * 2];
        for (int i = 0; i < password.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(unicode[(2 * i)..], password[i]);
        }

        try
        {
            Md4.Hash(unicode[..(2 * password.Length)], passwordHash);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(unicode);
        }
    }

    /// <summary>HashNtPasswordHash (RFC 2759 §8.4): MD4 of the password hash.</summary>
    public static byte[] HashNtPasswordHash(ReadOnlySpan<byte> passwordHash)
    {
        RequireLength(passwordHash, PasswordHashSize, nameof(passwordHash));
        return Md4.Hash(passwordHash);
    }

    /// <summary>ChallengeHash (RFC 2759 §8.2): first 8 bytes of SHA1(PeerChallenge || AuthenticatorChallenge || UserName).</summary>
    public static byte[] ChallengeHash(ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> userName)
    {
        var challenge = new byte[ChallengeHashSize];
        ChallengeHash(peerChallenge, authenticatorChallenge, userName, challenge);
        return challenge;
    }

    /// <summary>ChallengeHash (RFC 2759 §8.2) into the first 8 bytes of <paramref name="challenge"/>.</summary>
    public static void ChallengeHash(ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> userName, Span<byte> challenge)
    {
        RequireLength(peerChallenge, ChallengeSize, nameof(peerChallenge));
        RequireLength(authenticatorChallenge, ChallengeSize, nameof(authenticatorChallenge));
        if (challenge.Length < ChallengeHashSize)
        {
            throw new ArgumentException($"Destination must hold {ChallengeHashSize} bytes.", nameof(challenge));
        }

        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(peerChallenge);
        sha1.AppendData(authenticatorChallenge);
        sha1.AppendData(userName);
        Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
        sha1.GetHashAndReset(digest);
        digest[..ChallengeHashSize].CopyTo(challenge);
    }

    /// <summary>
    /// ChallengeResponse (RFC 2759 §8.5): the password hash, zero-padded to 21 bytes, is cut into
    /// three 7-byte DES keys (§8.6 DesEncrypt) each encrypting the 8-byte challenge.
    /// </summary>
    public static void ChallengeResponse(ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> passwordHash, Span<byte> response)
    {
        RequireLength(challenge, ChallengeHashSize, nameof(challenge));
        RequireLength(passwordHash, PasswordHashSize, nameof(passwordHash));
        if (response.Length < NTResponseSize)
        {
            throw new ArgumentException($"Destination must hold {NTResponseSize} bytes.", nameof(response));
        }

        Span<byte> zPasswordHash = stackalloc byte[21];
        Span<byte> desKey = stackalloc byte[SingleDes.KeySize];
        try
        {
            zPasswordHash.Clear();
            passwordHash.CopyTo(zPasswordHash);
            for (int i = 0; i < 3; i++)
            {
                SingleDes.ExpandKey(zPasswordHash.Slice(7 * i, 7), desKey);
                SingleDes.EncryptBlock(desKey, challenge, response.Slice(8 * i, 8));
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(zPasswordHash);
            CryptographicOperations.ZeroMemory(desKey);
        }
    }

    /// <summary>GenerateNTResponse (RFC 2759 §8.1) from the cleartext password.</summary>
    public static byte[] GenerateNTResponse(ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> userName, ReadOnlySpan<char> password)
    {
        Span<byte> passwordHash = stackalloc byte[PasswordHashSize];
        try
        {
            NtPasswordHash(password, passwordHash);
            return GenerateNTResponseFromHash(authenticatorChallenge, peerChallenge, userName, passwordHash);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordHash);
        }
    }

    /// <summary>GenerateNTResponse (RFC 2759 §8.1) from a stored NT password hash.</summary>
    public static byte[] GenerateNTResponseFromHash(ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> userName, ReadOnlySpan<byte> passwordHash)
    {
        Span<byte> challenge = stackalloc byte[ChallengeHashSize];
        ChallengeHash(peerChallenge, authenticatorChallenge, userName, challenge);
        var response = new byte[NTResponseSize];
        ChallengeResponse(challenge, passwordHash, response);
        return response;
    }

    /// <summary>
    /// Server side: whether the peer's NT-Response matches the one expected for the stored password
    /// hash, compared in constant time. Malformed lengths (from the wire) return <see langword="false"/>.
    /// </summary>
    public static bool VerifyNTResponse(ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> userName, ReadOnlySpan<byte> passwordHash, ReadOnlySpan<byte> ntResponse)
    {
        if (authenticatorChallenge.Length != ChallengeSize || peerChallenge.Length != ChallengeSize ||
            passwordHash.Length != PasswordHashSize || ntResponse.Length != NTResponseSize)
        {
            return false;
        }

        byte[] expected = GenerateNTResponseFromHash(authenticatorChallenge, peerChallenge, userName, passwordHash);
        bool ok = CryptographicOperations.FixedTimeEquals(expected, ntResponse);
        CryptographicOperations.ZeroMemory(expected);
        return ok;
    }

    /// <summary>GenerateAuthenticatorResponse (RFC 2759 §8.7) from the cleartext password: "S=" + 40 upper-case hex digits.</summary>
    public static string GenerateAuthenticatorResponse(ReadOnlySpan<char> password, ReadOnlySpan<byte> ntResponse, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> userName)
    {
        Span<byte> passwordHash = stackalloc byte[PasswordHashSize];
        try
        {
            NtPasswordHash(password, passwordHash);
            return GenerateAuthenticatorResponseFromHash(passwordHash, ntResponse, peerChallenge, authenticatorChallenge, userName);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordHash);
        }
    }

    /// <summary>GenerateAuthenticatorResponse (RFC 2759 §8.7) from a stored NT password hash.</summary>
    public static string GenerateAuthenticatorResponseFromHash(ReadOnlySpan<byte> passwordHash, ReadOnlySpan<byte> ntResponse, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> userName)
    {
        Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
        AuthenticatorDigest(passwordHash, ntResponse, peerChallenge, authenticatorChallenge, userName, digest);
        return "S=" + Convert.ToHexString(digest);
    }

    /// <summary>
    /// Client side: checks the server's "S=..." authenticator response (42 ASCII bytes, hex digits in
    /// either case) in constant time. Anything malformed returns <see langword="false"/>.
    /// </summary>
    public static bool CheckAuthenticatorResponse(ReadOnlySpan<byte> passwordHash, ReadOnlySpan<byte> ntResponse, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> userName, ReadOnlySpan<byte> receivedResponse)
    {
        if (receivedResponse.Length != AuthenticatorResponseSize || receivedResponse[0] != (byte)'S' || receivedResponse[1] != (byte)'=' ||
            passwordHash.Length != PasswordHashSize || ntResponse.Length != NTResponseSize ||
            peerChallenge.Length != ChallengeSize || authenticatorChallenge.Length != ChallengeSize)
        {
            return false;
        }

        Span<byte> received = stackalloc byte[SHA1.HashSizeInBytes];
        if (Convert.FromHexString(receivedResponse[2..], received, out _, out int written) != System.Buffers.OperationStatus.Done ||
            written != received.Length)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[SHA1.HashSizeInBytes];
        AuthenticatorDigest(passwordHash, ntResponse, peerChallenge, authenticatorChallenge, userName, expected);
        return CryptographicOperations.FixedTimeEquals(expected, received);
    }

    /// <summary>The 20-byte digest behind the authenticator response (RFC 2759 §8.7).</summary>
    private static void AuthenticatorDigest(ReadOnlySpan<byte> passwordHash, ReadOnlySpan<byte> ntResponse, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> authenticatorChallenge, ReadOnlySpan<byte> userName, Span<byte> digest)
    {
        RequireLength(passwordHash, PasswordHashSize, nameof(passwordHash));
        RequireLength(ntResponse, NTResponseSize, nameof(ntResponse));

        Span<byte> passwordHashHash = stackalloc byte[PasswordHashSize];
        Span<byte> challenge = stackalloc byte[ChallengeHashSize];
        try
        {
            Md4.Hash(passwordHash, passwordHashHash);
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            sha1.AppendData(passwordHashHash);
            sha1.AppendData(ntResponse);
            sha1.AppendData(Magic1);
            sha1.GetHashAndReset(digest);

            ChallengeHash(peerChallenge, authenticatorChallenge, userName, challenge);
            sha1.AppendData(digest[..SHA1.HashSizeInBytes]);
            sha1.AppendData(challenge);
            sha1.AppendData(Magic2);
            sha1.GetHashAndReset(digest);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordHashHash);
        }
    }

    private static void RequireLength(ReadOnlySpan<byte> value, int length, string name)
    {
        if (value.Length != length)
        {
            throw new ArgumentException($"Must be {length} bytes.", name);
        }
    }
}
