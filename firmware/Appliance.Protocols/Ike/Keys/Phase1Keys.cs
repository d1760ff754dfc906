using System.Security.Cryptography;

namespace Appliance.Protocols.Ike.Keys;

/// <summary>
/// The keying material of an IKEv1 SA (RFC 2409 §5):
/// <code>
///   SKEYID    = prf(pre-shared-key, Ni_b | Nr_b)          for pre-shared keys
///             = prf(Ni_b | Nr_b, g^xy)                   for signatures
///   SKEYID_d  = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
///   SKEYID_a  = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
///   SKEYID_e  = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
/// </code>
/// and the cipher key taken from SKEYID_e, stretched by Appendix B when the cipher needs more
/// bits than the PRF gives (3DES with SHA-1, AES-256 with SHA-1):
/// <code>  Ka = K1 | K2 | ...,  K1 = prf(SKEYID_e, 0),  Kn = prf(SKEYID_e, Kn-1)</code>
/// Held keys are cleared on dispose.
/// </summary>
public sealed class Phase1Keys : IDisposable
{
    private Phase1Keys(IkePrf prf, byte[] skeyId, byte[] d, byte[] a, byte[] e, byte[] encryptionKey)
    {
        Prf = prf;
        SkeyId = skeyId;
        SkeyIdD = d;
        SkeyIdA = a;
        SkeyIdE = e;
        EncryptionKey = encryptionKey;
    }

    public IkePrf Prf { get; }
    public byte[] SkeyId { get; }
    /// <summary>Derives phase-2 (Quick Mode) keying material.</summary>
    public byte[] SkeyIdD { get; }
    /// <summary>Authenticates phase-2 and informational messages.</summary>
    public byte[] SkeyIdA { get; }
    public byte[] SkeyIdE { get; }
    public byte[] EncryptionKey { get; }

    public static Phase1Keys DerivePreSharedKey(IkePrf prf, ReadOnlySpan<byte> psk, byte[] nonceI, byte[] nonceR,
        byte[] sharedSecret, Cookies cookies, int encryptionKeyLength) =>
        Derive(prf, prf.Compute(psk, nonceI, nonceR), sharedSecret, cookies, encryptionKeyLength);

    public static Phase1Keys DeriveSignature(IkePrf prf, byte[] nonceI, byte[] nonceR,
        byte[] sharedSecret, Cookies cookies, int encryptionKeyLength) =>
        Derive(prf, prf.Compute(IkePrf.Concat([nonceI, nonceR]), sharedSecret), sharedSecret, cookies, encryptionKeyLength);

    private static Phase1Keys Derive(IkePrf prf, byte[] skeyId, byte[] gxy, Cookies cookies, int keyLength)
    {
        byte[] ci = cookies.InitiatorBytes, cr = cookies.ResponderBytes;
        byte[] d = prf.Compute(skeyId, gxy, ci, cr, [0]);
        byte[] a = prf.Compute(skeyId, d, gxy, ci, cr, [1]);
        byte[] e = prf.Compute(skeyId, a, gxy, ci, cr, [2]);
        return new Phase1Keys(prf, skeyId, d, a, e, CipherKey(prf, e, keyLength));
    }

    internal static byte[] CipherKey(IkePrf prf, byte[] skeyIdE, int length)
    {
        if (skeyIdE.Length >= length) return skeyIdE.AsSpan(0, length).ToArray();
        var key = new byte[length];
        byte[] block = prf.Compute(skeyIdE, [0]);
        int at = 0;
        while (true)
        {
            int n = Math.Min(block.Length, length - at);
            block.AsSpan(0, n).CopyTo(key.AsSpan(at));
            at += n;
            if (at == length) break;
            block = prf.Compute(skeyIdE, block);
        }
        return key;
    }

    /// <summary>HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) (RFC 2409 §5).</summary>
    public byte[] HashInitiator(byte[] gxi, byte[] gxr, Cookies cookies, byte[] saInitiatorBody, byte[] idInitiatorBody) =>
        Prf.Compute(SkeyId, gxi, gxr, cookies.InitiatorBytes, cookies.ResponderBytes, saInitiatorBody, idInitiatorBody);

    /// <summary>HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) (RFC 2409 §5).</summary>
    public byte[] HashResponder(byte[] gxi, byte[] gxr, Cookies cookies, byte[] saInitiatorBody, byte[] idResponderBody) =>
        Prf.Compute(SkeyId, gxr, gxi, cookies.ResponderBytes, cookies.InitiatorBytes, saInitiatorBody, idResponderBody);

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(SkeyId);
        CryptographicOperations.ZeroMemory(SkeyIdD);
        CryptographicOperations.ZeroMemory(SkeyIdA);
        CryptographicOperations.ZeroMemory(SkeyIdE);
        CryptographicOperations.ZeroMemory(EncryptionKey);
    }
}
