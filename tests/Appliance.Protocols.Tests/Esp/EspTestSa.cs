using Appliance.Protocols.Crypto;
using Appliance.Protocols.Esp;

namespace Appliance.Protocols.Tests.Esp;

/// <summary>Deterministic SA parameters for every transform, and a matched outbound/inbound pair.</summary>
internal static class EspTestSa
{
    public const uint Spi = 0xC0FFEE01;

    public static readonly IReadOnlyDictionary<string, EspTransform> Transforms = new[]
    {
        EspTransform.AesCbc128HmacSha1_96,
        EspTransform.AesCbc256HmacSha1_96,
        EspTransform.AesCbc128HmacSha256_128,
        EspTransform.AesCbc256HmacSha256_128,
        EspTransform.AesGcm16_128,
        EspTransform.AesGcm16_192,
        EspTransform.AesGcm16_256,
        EspTransform.TripleDesCbcHmacSha1_96,
        EspTransform.TripleDesCbcHmacMd5_96,
    }.ToDictionary(t => t.ToString());

    public static TheoryData<string> TransformNames => new(Transforms.Keys);

    public static EspSaParameters Parameters(EspTransform transform, uint initialSequenceNumber = 1, int replayWindowSize = 64, byte keySeed = 0x10) => new()
    {
        Spi = Spi,
        Transform = transform,
        EncryptionKey = Pattern(transform.EncryptionKeyLength, keySeed),
        IntegrityKey = Pattern(transform.IntegrityKeyLength, (byte)(keySeed + 0x80)),
        InitialSequenceNumber = initialSequenceNumber,
        ReplayWindowSize = replayWindowSize,
    };

    public static (OutboundEspSa Out, InboundEspSa In) Pair(EspTransform transform, uint initialSequenceNumber = 1, int replayWindowSize = 64, IRandomSource? random = null)
    {
        EspSaParameters parameters = Parameters(transform, initialSequenceNumber, replayWindowSize);
        return (new OutboundEspSa(parameters, random ?? SystemRandomSource.Instance), new InboundEspSa(parameters));
    }

    public static byte[] Encrypt(OutboundEspSa sa, ReadOnlySpan<byte> payload, byte nextHeader = EspPacket.NextHeaderUdp)
    {
        var packet = new byte[sa.GetPacketLength(payload.Length)];
        Assert.Equal(packet.Length, sa.Encrypt(payload, nextHeader, packet));
        return packet;
    }

    public static EspDecryptResult Decrypt(InboundEspSa sa, ReadOnlySpan<byte> packet, out byte[] payload, out byte nextHeader)
    {
        var buffer = new byte[packet.Length];
        EspDecryptResult result = sa.TryDecrypt(packet, buffer, out int length, out nextHeader);
        payload = buffer[..length];
        return result;
    }

    public static byte[] Pattern(int length, byte seed)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed + i * 7);
        }

        return bytes;
    }
}
