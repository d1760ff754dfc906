using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Keys;

/// <summary>
/// CBC initialization vectors of IKEv1 (RFC 2409 Appendix B): phase 1 starts from
/// hash(g^xi | g^xr) and then chains through the last ciphertext block of each message; each
/// phase-2 or informational exchange starts from hash(last phase-1 CBC block | M-ID).
/// </summary>
public static class Phase1Iv
{
    public static byte[] Initial(IkePrf prf, byte[] gxi, byte[] gxr, int blockSize) =>
        prf.HashOf(gxi, gxr).AsSpan(0, blockSize).ToArray();

    public static byte[] ForExchange(IkePrf prf, byte[] lastPhase1Block, uint messageId, int blockSize)
    {
        var id = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(id, messageId);
        return prf.HashOf(lastPhase1Block, id).AsSpan(0, blockSize).ToArray();
    }
}
