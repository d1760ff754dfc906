namespace Appliance.Protocols.Ike.Auth;

/// <summary>
/// Our RSA private key, as IKEv1 signature authentication uses it: EMSA-PKCS1-v1_5 (type 1)
/// padding around the bare HASH_R, no DigestInfo (RFC 2409 §5.1; see
/// <see cref="Crypto.RsaPkcs1Signature.SignWithoutDigestInfo"/>). An interface so that the key can
/// live elsewhere (a TPM, a secure element) and so tests can count signatures.
/// </summary>
public interface IRsaSigner
{
    /// <summary>The signature of <paramref name="data"/>, as long as the modulus.</summary>
    byte[] SignWithoutDigestInfo(ReadOnlySpan<byte> data);
}
