using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Ike.Keys;

/// <summary>
/// The negotiated pseudo-random function of an IKEv1 SA: HMAC with the phase-1 hash algorithm
/// (RFC 2409 §4: "prf" is the HMAC version of the negotiated hash when no PRF is negotiated, which
/// no client in reference/clients.md does). Every derivation below concatenates its inputs first.
/// </summary>
public readonly record struct IkePrf(DigestAlgorithm Hash)
{
    public int Size => Digest.GetSize(Hash);

    public byte[] Compute(ReadOnlySpan<byte> key, params ReadOnlySpan<byte[]> parts) => Hmac.Compute(Hash, key, Concat(parts));

    public byte[] HashOf(params ReadOnlySpan<byte[]> parts) => Digest.Hash(Hash, Concat(parts));

    internal static byte[] Concat(ReadOnlySpan<byte[]> parts)
    {
        int length = 0;
        foreach (var p in parts) length += p.Length;
        var all = new byte[length];
        int at = 0;
        foreach (var p in parts) { p.CopyTo(all, at); at += p.Length; }
        return all;
    }
}
