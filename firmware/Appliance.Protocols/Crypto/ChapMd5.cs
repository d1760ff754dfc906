using System.Security.Cryptography;

namespace Appliance.Protocols.Crypto;

/// <summary>
/// PPP CHAP with MD5 (RFC 1994 §4.1, algorithm 5): Response = MD5(Identifier || secret || Challenge).
/// </summary>
public static class ChapMd5
{
    /// <summary>Response value length in bytes.</summary>
    public const int ResponseSize = 16;

    /// <summary>Computes the CHAP response for a challenge.</summary>
    public static byte[] ComputeResponse(byte identifier, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> challenge)
    {
        var response = new byte[ResponseSize];
        ComputeResponse(identifier, secret, challenge, response);
        return response;
    }

    /// <summary>Writes the CHAP response into the first 16 bytes of <paramref name="response"/>.</summary>
    public static void ComputeResponse(byte identifier, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> challenge, Span<byte> response)
    {
        if (response.Length < ResponseSize)
        {
            throw new ArgumentException($"Response destination must hold {ResponseSize} bytes.", nameof(response));
        }

        // Incremental hashing avoids concatenating (and then having to wipe) a copy of the secret.
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        md5.AppendData([identifier]);
        md5.AppendData(secret);
        md5.AppendData(challenge);
        md5.GetHashAndReset(response);
    }

    /// <summary>
    /// Checks a peer's CHAP response in constant time; a response that is not 16 bytes returns
    /// <see langword="false"/>.
    /// </summary>
    public static bool VerifyResponse(byte identifier, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> response)
    {
        if (response.Length != ResponseSize)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[ResponseSize];
        ComputeResponse(identifier, secret, challenge, expected);
        bool ok = CryptographicOperations.FixedTimeEquals(expected, response);
        CryptographicOperations.ZeroMemory(expected);
        return ok;
    }
}
