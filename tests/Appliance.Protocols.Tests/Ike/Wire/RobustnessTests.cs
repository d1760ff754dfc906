using System.Buffers.Binary;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Tests.Ike.Wire;

/// <summary>
/// Hostile input: every truncated prefix of every sample message fails with a reason, and seeded
/// mutations (bit flips, byte and length-field edits, cuts, insertions) never make a decoder throw.
/// Whatever does decode must re-encode, and the re-encoding must decode to the same bytes again.
/// </summary>
public class RobustnessTests
{
    private const int Iterations = 3000;

    public static IEnumerable<object[]> Names() => Samples.MessageNames();

    [Theory]
    [MemberData(nameof(Names))]
    public void Sample_decodes(string name)
    {
        byte[] message = Samples.AllMessages()[name];
        Assert.Equal(DecodeError.None, IkeMessage.TryDecode(message, out var header, out var payloads));
        Assert.Equal((uint)message.Length, header.Length);
        Assert.NotEmpty(payloads);
        Assert.Equal(Convert.ToHexString(message), Convert.ToHexString(IkeMessage.Encode(header, payloads)));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_truncated_prefix_is_an_error(string name)
    {
        byte[] message = Samples.AllMessages()[name];
        for (int n = 0; n < message.Length; n++)
        {
            byte[] prefix = message[..n];

            // As received: the header's Length now exceeds the datagram.
            Assert.NotEqual(DecodeError.None, IkeMessage.TryDecode(prefix, out _, out var payloads));
            Assert.Empty(payloads);

            // With Length patched to match, so that the payload chain itself meets the cut.
            if (n >= IsakmpHeader.Size)
            {
                BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(24), (uint)n);
                Assert.NotEqual(DecodeError.None, IkeMessage.TryDecode(prefix, out _, out _));

                // And as a decrypted body: padding tolerance must not hide a cut payload.
                var body = prefix.AsSpan(IsakmpHeader.Size);
                Assert.NotEqual(DecodeError.None, PayloadCodec.TryDecodeChain((PayloadType)message[16], body, allowTrailing: true, out _));
                Assert.NotEqual(DecodeError.None, PayloadCodec.TryDecodeChain((PayloadType)message[16], body, allowTrailing: true, out _, out var extents));
                Assert.Empty(extents);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_16_bit_field_set_to_edge_values_never_throws(string name)
    {
        byte[] message = Samples.AllMessages()[name];
        for (int offset = 0; offset + 1 < message.Length; offset++)
        {
            ushort original = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(offset));
            foreach (ushort value in new ushort[] { 0, 1, 3, 4, 5, 7, 8, 0x7fff, 0x8000, 0xffff, (ushort)(original + 1), (ushort)(original - 1) })
            {
                byte[] mutated = (byte[])message.Clone();
                BinaryPrimitives.WriteUInt16BigEndian(mutated.AsSpan(offset), value);
                Exercise(mutated, $"{name} offset {offset} value {value:x4}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Seeded_random_mutations_never_throw(string name)
    {
        byte[] message = Samples.AllMessages()[name];

        // A seed fixed per sample (string.GetHashCode is randomised per process).
        int seed = name.Aggregate(17, (h, c) => unchecked((h * 31) + c));
        var random = new Random(seed);
        int decoded = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] mutated = Mutate(message, random);
            if (Exercise(mutated, $"{name} seed {seed} iteration {i}"))
            {
                decoded++;
            }
        }

        // Not a property of the codec, only a check that the mutations are not all trivially fatal.
        Assert.InRange(decoded, 1, Iterations);
    }

    private static byte[] Mutate(byte[] message, Random random)
    {
        byte[] m = (byte[])message.Clone();
        switch (random.Next(7))
        {
            case 0:
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    m[random.Next(m.Length)] ^= (byte)(1 << random.Next(8));
                }

                return m;
            case 1:
                m[random.Next(m.Length)] = (byte)random.Next(256);
                return m;
            case 2:
            {
                // A length-like edit after the header (payload, proposal, transform or TLV lengths).
                int offset = random.Next(IsakmpHeader.Size, m.Length - 1);
                ushort original = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(offset));
                ushort value = random.Next(4) switch
                {
                    0 => (ushort)random.Next(0, 12),
                    1 => (ushort)(original + random.Next(-8, 9)),
                    2 => (ushort)random.Next(0x10000),
                    _ => (ushort)(random.Next(2) == 0 ? 0xffff : 0x8000),
                };
                BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(offset), value);
                return m;
            }

            case 3:
            {
                // Cut, with the header's Length patched so that the chain meets the cut.
                byte[] cut = m[..random.Next(IsakmpHeader.Size, m.Length)];
                BinaryPrimitives.WriteUInt32BigEndian(cut.AsSpan(24), (uint)cut.Length);
                return cut;
            }

            case 4:
            {
                // Insert random bytes, Length patched.
                int at = random.Next(IsakmpHeader.Size, m.Length + 1);
                var extra = new byte[random.Next(1, 9)];
                random.NextBytes(extra);
                byte[] grown = [.. m[..at], .. extra, .. m[at..]];
                BinaryPrimitives.WriteUInt32BigEndian(grown.AsSpan(24), (uint)grown.Length);
                return grown;
            }

            case 5:
                BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(24), (uint)random.Next(0, m.Length + 64));
                return m;
            default:
                // Change one payload's type by rewriting a Next Payload-like byte.
                m[random.Next(16, m.Length)] = (byte)random.Next(0, 140);
                return m;
        }
    }

    /// <summary>Runs every decoder over <paramref name="data"/>; returns whether the whole message decoded.</summary>
    private static bool Exercise(byte[] data, string context)
    {
        bool ok = false;
        var exception = Record.Exception(() =>
        {
            var error = IkeMessage.TryDecode(data, out var header, out var payloads);
            if (error == DecodeError.None)
            {
                ok = true;
                byte[] again = IkeMessage.Encode(header, payloads);
                Assert.Equal(DecodeError.None, IkeMessage.TryDecode(again, out var header2, out var payloads2));
                Assert.Equal(Convert.ToHexString(again), Convert.ToHexString(IkeMessage.Encode(header2, payloads2)));
            }
            else
            {
                Assert.Empty(payloads);
            }

            // The chain alone, whatever the header says, both as clear text and as a decrypted body.
            if (data.Length >= IsakmpHeader.Size)
            {
                var first = (PayloadType)data[16];
                var body = data.AsSpan(IsakmpHeader.Size);
                PayloadCodec.TryDecodeChain(first, body, allowTrailing: false, out _);
                if (PayloadCodec.TryDecodeChain(first, body, allowTrailing: true, out var chain, out var extents) == DecodeError.None)
                {
                    Assert.Equal(chain.Count, extents.Count);
                    PayloadCodec.EncodeChain(chain, out _);
                }
            }
        });
        Assert.True(exception is null, $"{context}: {exception}");
        return ok;
    }
}
