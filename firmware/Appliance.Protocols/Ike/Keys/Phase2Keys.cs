using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Keys;

/// <summary>
/// Quick Mode and informational exchange hashes and the ESP keying material (RFC 2409 §5.5, §5.7).
/// <code>
///   HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [| KE] [| IDci | IDcr] ...)   the message after HASH
///   HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [| KE] [| IDci | IDcr] ...)
///   HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
///   KEYMAT  = K1 | K2 | ...,  K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
///                             Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
/// </code>
/// Each direction has its own SPI and so its own KEYMAT; the SPI is the one the receiving side
/// chose (RFC 2409 §5.5).
/// </summary>
public static class Phase2Keys
{
    public static byte[] Hash1(IkePrf prf, byte[] skeyIdA, uint messageId, byte[] restOfMessage) =>
        prf.Compute(skeyIdA, MessageId(messageId), restOfMessage);

    public static byte[] Hash2(IkePrf prf, byte[] skeyIdA, uint messageId, byte[] nonceIBody, byte[] restOfMessage) =>
        prf.Compute(skeyIdA, MessageId(messageId), nonceIBody, restOfMessage);

    public static byte[] Hash3(IkePrf prf, byte[] skeyIdA, uint messageId, byte[] nonceIBody, byte[] nonceRBody) =>
        prf.Compute(skeyIdA, [0], MessageId(messageId), nonceIBody, nonceRBody);

    /// <summary>HASH(1) of an informational exchange: prf(SKEYID_a, M-ID | N/D) (RFC 2409 §5.7).</summary>
    public static byte[] InformationalHash(IkePrf prf, byte[] skeyIdA, uint messageId, byte[] payloadsAfterHash) =>
        prf.Compute(skeyIdA, MessageId(messageId), payloadsAfterHash);

    public static byte[] KeyMaterial(IkePrf prf, byte[] skeyIdD, byte[]? pfsSharedSecret, byte protocol, uint spi,
        byte[] nonceIBody, byte[] nonceRBody, int length)
    {
        byte[] spiBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(spiBytes, spi);
        byte[] seed = IkePrf.Concat([pfsSharedSecret ?? [], [protocol], spiBytes, nonceIBody, nonceRBody]);
        var keymat = new byte[length];
        byte[] block = [];
        int at = 0;
        while (at < length)
        {
            block = prf.Compute(skeyIdD, block, seed);
            int n = Math.Min(block.Length, length - at);
            block.AsSpan(0, n).CopyTo(keymat.AsSpan(at));
            at += n;
        }
        return keymat;
    }

    private static byte[] MessageId(uint id)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, id);
        return b;
    }
}
