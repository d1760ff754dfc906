using System.Security.Cryptography;
using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Ike.Auth;

/// <summary>An <see cref="IRsaSigner"/> over an in-memory key; the caller owns and disposes it.</summary>
public sealed class RsaKeySigner(RSA key) : IRsaSigner
{
    public byte[] SignWithoutDigestInfo(ReadOnlySpan<byte> data) => RsaPkcs1Signature.SignWithoutDigestInfo(key, data);
}
