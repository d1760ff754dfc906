using System.Buffers.Binary;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Esp;
using Appliance.Protocols.Tests.Crypto;

namespace Appliance.Protocols.Tests.Esp;

// Round trips, tampering, replay, truncation and garbage for every transform.
public class EspSaTests
{
    private static readonly int[] PayloadSizes =
        [.. Enumerable.Range(0, 70), .. Enumerable.Range(1, 39).Select(i => 70 + i * 36), 1499, 1500];

    [Theory]
    [MemberData(nameof(EspTestSa.TransformNames), MemberType = typeof(EspTestSa))]
    public void Every_payload_size_round_trips(string name)
    {
        EspTransform transform = EspTestSa.Transforms[name];
        (OutboundEspSa outbound, InboundEspSa inbound) = EspTestSa.Pair(transform);
        using (outbound)
        using (inbound)
        {
            var random = new Random(7);
            var packet = new byte[1500 + EspTransform.MaxOverhead(transform)];
            var plaintext = new byte[packet.Length];
            uint seq = 1;
            long payloadBytes = 0;
            foreach (int size in PayloadSizes)
            {
                byte[] payload = new byte[size];
                random.NextBytes(payload);
                byte nextHeader = (byte)random.Next(256);

                Assert.True(outbound.TryEncrypt(payload, nextHeader, packet, out int written));
                Assert.Equal(transform.GetPacketLength(size), written);
                Assert.Equal(EspTestSa.Spi, BinaryPrimitives.ReadUInt32BigEndian(packet));
                Assert.Equal(seq, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(4)));
                Assert.Equal(0, (written - EspPacket.HeaderLength - transform.IvLength - transform.IcvLength) % transform.PaddingAlignment);

                Assert.Equal(EspDecryptResult.Ok, inbound.TryDecrypt(packet.AsSpan(0, written), plaintext, out int length, out byte decryptedNextHeader));
                Assert.Equal(size, length);
                Assert.True(plaintext.AsSpan(0, length).SequenceEqual(payload));
                Assert.Equal(nextHeader, decryptedNextHeader);
                Assert.Equal(seq, inbound.HighestSequenceNumber);
                seq++;
                payloadBytes += size;
            }

            Assert.Equal(PayloadSizes.Length, outbound.PacketsEncrypted);
            Assert.Equal(payloadBytes, outbound.PayloadBytesEncrypted);
            Assert.Equal(PayloadSizes.Length, inbound.PacketsDecrypted);
            Assert.Equal(payloadBytes, inbound.PayloadBytesDecrypted);
            Assert.Equal(seq, outbound.NextSequenceNumber);
        }
    }

    [Theory]
    [MemberData(nameof(EspTestSa.TransformNames), MemberType = typeof(EspTestSa))]
    public void Any_changed_byte_fails_integrity_and_leaves_the_window_alone(string name)
    {
        EspTransform transform = EspTestSa.Transforms[name];
        foreach (int size in new[] { 0, 1, 31, 200 })
        {
            (OutboundEspSa outbound, InboundEspSa inbound) = EspTestSa.Pair(transform, initialSequenceNumber: 1000);
            using (outbound)
            using (inbound)
            {
                byte[] packet = EspTestSa.Encrypt(outbound, EspTestSa.Pattern(size, 3));
                foreach (byte flip in new byte[] { 0x01, 0x80 })
                {
                    for (int i = 0; i < packet.Length; i++)
                    {
                        byte[] tampered = (byte[])packet.Clone();
                        tampered[i] ^= flip;
                        EspDecryptResult result = EspTestSa.Decrypt(inbound, tampered, out _, out _);
                        if (i < 4)
                        {
                            Assert.Equal(EspDecryptResult.UnknownSpi, result);
                        }
                        else if (i < 8)
                        {
                            // A changed sequence number lands inside or ahead of the window (the ICV
                            // then fails) or left of it (too old: dropped before the ICV).
                            Assert.True(result is EspDecryptResult.IntegrityFailed or EspDecryptResult.TooOld, $"byte {i}: {result}");
                        }
                        else
                        {
                            Assert.True(result == EspDecryptResult.IntegrityFailed, $"byte {i} ^ {flip:x2}: {result}");
                        }
                    }
                }

                // None of the forgeries moved the window; the genuine packet still goes through.
                Assert.Equal(0u, inbound.HighestSequenceNumber);
                Assert.Equal(0, inbound.PacketsDecrypted);
                Assert.True(inbound.IntegrityFailures > packet.Length);
                Assert.Equal(EspDecryptResult.Ok, EspTestSa.Decrypt(inbound, packet, out byte[] payload, out _));
                Assert.Equal(EspTestSa.Pattern(size, 3), payload);
            }
        }
    }

    [Theory]
    [MemberData(nameof(EspTestSa.TransformNames), MemberType = typeof(EspTestSa))]
    public void Replays_and_stale_packets_are_dropped_and_counted(string name)
    {
        (OutboundEspSa outbound, InboundEspSa inbound) = EspTestSa.Pair(EspTestSa.Transforms[name], replayWindowSize: 32);
        using (outbound)
        using (inbound)
        {
            byte[][] packets = [.. Enumerable.Range(0, 40).Select(i => EspTestSa.Encrypt(outbound, EspTestSa.Pattern(i, 1)))];

            Assert.Equal(EspDecryptResult.Ok, EspTestSa.Decrypt(inbound, packets[0], out _, out _));
            Assert.Equal(EspDecryptResult.Replayed, EspTestSa.Decrypt(inbound, packets[0], out _, out _));
            Assert.Equal(EspDecryptResult.Ok, EspTestSa.Decrypt(inbound, packets[2], out _, out _));
            Assert.Equal(EspDecryptResult.Ok, EspTestSa.Decrypt(inbound, packets[1], out byte[] late, out _)); // out of order
            Assert.Equal(EspTestSa.Pattern(1, 1), late);
            Assert.Equal(EspDecryptResult.Replayed, EspTestSa.Decrypt(inbound, packets[1], out _, out _));

            Assert.Equal(EspDecryptResult.Ok, EspTestSa.Decrypt(inbound, packets[39], out _, out _)); // seq 40
            Assert.Equal(EspDecryptResult.TooOld, EspTestSa.Decrypt(inbound, packets[7], out _, out _)); // seq 8 = 40 - 32
            Assert.Equal(EspDecryptResult.Ok, EspTestSa.Decrypt(inbound, packets[8], out _, out _));     // seq 9 is the left edge

            Assert.Equal(5, inbound.PacketsDecrypted);
            Assert.Equal(2, inbound.ReplayedPackets);
            Assert.Equal(1, inbound.TooOldPackets);
            Assert.Equal(0, inbound.IntegrityFailures);
            Assert.Equal(40u, inbound.HighestSequenceNumber);
        }
    }

    [Theory]
    [MemberData(nameof(EspTestSa.TransformNames), MemberType = typeof(EspTestSa))]
    public void Every_truncated_prefix_and_extension_is_refused_without_exceptions(string name)
    {
        EspTransform transform = EspTestSa.Transforms[name];
        (OutboundEspSa outbound, InboundEspSa inbound) = EspTestSa.Pair(transform);
        using (outbound)
        using (inbound)
        {
            byte[] packet = EspTestSa.Encrypt(outbound, EspTestSa.Pattern(45, 9));
            var buffer = new byte[packet.Length + 64];
            int minimum = EspPacket.HeaderLength + transform.IvLength + transform.IcvLength + (transform.IsCombinedMode ? 2 : transform.PaddingAlignment);
            for (int length = 0; length < packet.Length; length++)
            {
                EspDecryptResult result = inbound.TryDecrypt(packet.AsSpan(0, length), buffer, out int plaintextLength, out _);
                Assert.NotEqual(EspDecryptResult.Ok, result);
                Assert.Equal(0, plaintextLength);
                if (length < minimum)
                {
                    Assert.Equal(EspDecryptResult.Truncated, result);
                }
                else
                {
                    Assert.True(result is EspDecryptResult.IntegrityFailed or EspDecryptResult.BadLength, $"{length}: {result}");
                }
            }

            // A CBC ciphertext that is not whole blocks is refused before the ICV is computed.
            byte[] longer = [.. packet, 0];
            EspDecryptResult extended = EspTestSa.Decrypt(inbound, longer, out _, out _);
            Assert.Equal(transform.IsCombinedMode ? EspDecryptResult.IntegrityFailed : EspDecryptResult.BadLength, extended);

            Assert.Equal(0, inbound.PacketsDecrypted);
            Assert.Equal(EspDecryptResult.Ok, EspTestSa.Decrypt(inbound, packet, out _, out _));
        }
    }

    [Theory]
    [MemberData(nameof(EspTestSa.TransformNames), MemberType = typeof(EspTestSa))]
    public void Random_garbage_and_bit_flips_never_throw_and_never_decrypt(string name)
    {
        EspTransform transform = EspTestSa.Transforms[name];
        (OutboundEspSa outbound, InboundEspSa inbound) = EspTestSa.Pair(transform);
        using (outbound)
        using (inbound)
        {
            var random = new Random(20240611 + name.Length);
            var buffer = new byte[2100];
            for (int i = 0; i < 3000; i++)
            {
                var garbage = new byte[random.Next(0, 2048)];
                random.NextBytes(garbage);
                if (i % 2 == 0 && garbage.Length >= 4)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(garbage, EspTestSa.Spi); // reach the deeper checks
                }

                Assert.NotEqual(EspDecryptResult.Ok, inbound.TryDecrypt(garbage, buffer, out _, out _));
            }

            for (int i = 0; i < 1000; i++)
            {
                byte[] packet = EspTestSa.Encrypt(outbound, EspTestSa.Pattern(random.Next(0, 300), (byte)i));
                int flips = random.Next(1, 4);
                for (int f = 0; f < flips; f++)
                {
                    packet[random.Next(8, packet.Length)] ^= (byte)random.Next(1, 256);
                }

                Assert.Equal(EspDecryptResult.IntegrityFailed, inbound.TryDecrypt(packet, buffer, out _, out _));
            }

            Assert.Equal(0, inbound.PacketsDecrypted);
            Assert.Equal(0u, inbound.HighestSequenceNumber);
            Assert.Equal(
                4000,
                inbound.TruncatedPackets + inbound.UnknownSpiPackets + inbound.ReplayedPackets + inbound.TooOldPackets +
                inbound.IntegrityFailures + inbound.BadPaddingPackets + inbound.BadLengthPackets + inbound.DestinationTooSmallPackets);
        }
    }

    // Authentic packets whose trailer is malformed: built here from the SA's own keys, since a
    // correct sender never produces them (RFC 4303 §2.4: padding 1, 2, 3, ...; pad length fits).
    [Theory]
    [InlineData("aes128-sha1", "0102", 2, 0)]          // correct, as a control
    [InlineData("aes128-sha1", "0103", 2, 1)]          // wrong pad byte
    [InlineData("aes128-sha1", "0000", 2, 1)]          // zero padding (RFC 2406-style senders would not do this either)
    [InlineData("aes128-sha1", "", 200, 1)]            // pad length past the start of the plaintext
    [InlineData("aes128gcm16", "0102", 2, 0)]
    [InlineData("aes128gcm16", "0202", 2, 1)]
    [InlineData("aes128gcm16", "", 255, 1)]
    [InlineData("3des-sha1", "01020304", 4, 0)]
    [InlineData("3des-sha1", "01020305", 4, 1)]
    public void Authentic_packets_with_bad_padding_are_dropped_but_move_the_window(string name, string padding, int padLength, int bad)
    {
        EspTransform transform = EspTestSa.Transforms[name];
        EspSaParameters parameters = EspTestSa.Parameters(transform);
        using var inbound = new InboundEspSa(parameters);

        byte[] pad = Convert.FromHexString(padding);
        int payloadLength = (transform.PaddingAlignment * 4) - pad.Length - 2;
        byte[] plaintext = [.. EspTestSa.Pattern(payloadLength, 0x33), .. pad, (byte)padLength, 17];
        byte[] packet = SealByHand(parameters, sequenceNumber: 5, plaintext);

        EspDecryptResult result = EspTestSa.Decrypt(inbound, packet, out byte[] payload, out byte nextHeader);
        if (bad == 0)
        {
            Assert.Equal(EspDecryptResult.Ok, result);
            Assert.Equal(payloadLength, payload.Length);
            Assert.Equal(17, nextHeader);
        }
        else
        {
            Assert.Equal(EspDecryptResult.BadPadding, result);
            Assert.Equal(1, inbound.BadPaddingPackets);
        }

        // Either way the packet was authentic, so its sequence number is now used.
        Assert.Equal(5u, inbound.HighestSequenceNumber);
        Assert.Equal(EspDecryptResult.Replayed, EspTestSa.Decrypt(inbound, packet, out _, out _));
    }

    [Fact]
    public void A_short_destination_is_reported_not_thrown()
    {
        (OutboundEspSa outbound, InboundEspSa inbound) = EspTestSa.Pair(EspTransform.AesGcm16_128);
        using (outbound)
        using (inbound)
        {
            byte[] packet = EspTestSa.Encrypt(outbound, new byte[100]);
            int needed = inbound.GetPlaintextBufferLength(packet.Length);
            Assert.Equal(104, needed); // 100 + 2 trailer + 2 padding

            Assert.Equal(EspDecryptResult.DestinationTooSmall, inbound.TryDecrypt(packet, new byte[needed - 1], out _, out _));
            Assert.Equal(1, inbound.DestinationTooSmallPackets);
            Assert.Equal(0u, inbound.HighestSequenceNumber);
            Assert.Equal(EspDecryptResult.Ok, inbound.TryDecrypt(packet, new byte[needed], out int length, out _));
            Assert.Equal(100, length);
        }
    }

    [Fact]
    public void Packets_for_another_SPI_are_counted_and_refused()
    {
        (OutboundEspSa outbound, InboundEspSa inbound) = EspTestSa.Pair(EspTransform.AesCbc128HmacSha1_96);
        using (outbound)
        using (inbound)
        {
            byte[] packet = EspTestSa.Encrypt(outbound, new byte[10]);
            packet[3] ^= 1;
            Assert.Equal(EspDecryptResult.UnknownSpi, EspTestSa.Decrypt(inbound, packet, out _, out _));
            Assert.Equal(1, inbound.UnknownSpiPackets);
            Assert.Equal(EspDecryptResult.Truncated, EspTestSa.Decrypt(inbound, packet.AsSpan(0, 7), out _, out _));
            Assert.Equal(1, inbound.TruncatedPackets);
        }
    }

    // RFC 4303 §3.3.3: the sequence number must not cycle; the sender stops and asks for a rekey.
    [Theory]
    [InlineData("aes128gcm16")]
    [InlineData("aes128-sha1")]
    public void The_sender_stops_before_the_sequence_number_wraps(string name)
    {
        (OutboundEspSa outbound, InboundEspSa inbound) = EspTestSa.Pair(EspTestSa.Transforms[name], initialSequenceNumber: uint.MaxValue - 1);
        using (outbound)
        using (inbound)
        {
            Assert.Equal(2, outbound.SequenceNumbersRemaining);
            byte[] first = EspTestSa.Encrypt(outbound, [1]);
            Assert.Equal(1, outbound.SequenceNumbersRemaining);
            Assert.False(outbound.IsSequenceExhausted);
            byte[] last = EspTestSa.Encrypt(outbound, [2]);
            Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(last.AsSpan(4)));
            Assert.Equal(0, outbound.SequenceNumbersRemaining);
            Assert.True(outbound.IsSequenceExhausted);

            var destination = new byte[100];
            Assert.False(outbound.TryEncrypt([3], 17, destination, out int written));
            Assert.Equal(0, written);
            Assert.True(destination.AsSpan().IndexOfAnyExcept((byte)0) < 0); // nothing written
            Assert.Throws<InvalidOperationException>(() => outbound.Encrypt([3], 17, destination));
            Assert.Equal(2, outbound.PacketsEncrypted);

            Assert.Equal(EspDecryptResult.Ok, EspTestSa.Decrypt(inbound, last, out _, out _));
            Assert.Equal(EspDecryptResult.Ok, EspTestSa.Decrypt(inbound, first, out _, out _));
            Assert.Equal(uint.MaxValue, inbound.HighestSequenceNumber);
        }
    }

    [Fact]
    public void A_fresh_SA_has_all_sequence_numbers_and_starts_at_one()
    {
        using var outbound = new OutboundEspSa(EspTestSa.Parameters(EspTransform.AesGcm16_256), SystemRandomSource.Instance);
        Assert.Equal(uint.MaxValue, outbound.SequenceNumbersRemaining);
        Assert.Equal(1u, outbound.NextSequenceNumber);
        Assert.Equal(16, outbound.PayloadOffset);
    }

    // RFC 4106 §3.1: the explicit IV must not repeat under a key; this SA uses the sequence number.
    [Fact]
    public void Gcm_explicit_iv_is_the_sequence_number()
    {
        using var outbound = new OutboundEspSa(EspTestSa.Parameters(EspTransform.AesGcm16_128, initialSequenceNumber: 0x01020304), new FixedRandomSource(0xEE));
        byte[] packet = EspTestSa.Encrypt(outbound, new byte[5]);
        Assert.Equal("0000000001020304", Convert.ToHexString(packet.AsSpan(8, 8)));
        packet = EspTestSa.Encrypt(outbound, new byte[5]);
        Assert.Equal("0000000001020305", Convert.ToHexString(packet.AsSpan(8, 8)));
    }

    // RFC 3602 §2.1: CBC IVs come from the random source, fetched in batches, each used once.
    [Fact]
    public void Cbc_ivs_come_from_the_random_source_in_batches()
    {
        var random = new FixedRandomSource(0xAB, 0xCD);
        using var outbound = new OutboundEspSa(EspTestSa.Parameters(EspTransform.AesCbc128HmacSha1_96), random);
        Assert.Equal(0, random.Calls);
        for (int i = 0; i < 64; i++)
        {
            byte[] packet = EspTestSa.Encrypt(outbound, new byte[5]);
            Assert.Equal("ABABABABABABABABABABABABABABABAB", Convert.ToHexString(packet.AsSpan(8, 16)));
        }

        Assert.Equal(1, random.Calls);
        byte[] next = EspTestSa.Encrypt(outbound, new byte[5]);
        Assert.Equal("CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD", Convert.ToHexString(next.AsSpan(8, 16)));
        Assert.Equal(2, random.Calls);

        using var tripleDes = new OutboundEspSa(EspTestSa.Parameters(EspTransform.TripleDesCbcHmacSha1_96), new FixedRandomSource(0x5C));
        Assert.Equal("5C5C5C5C5C5C5C5C", Convert.ToHexString(EspTestSa.Encrypt(tripleDes, new byte[5]).AsSpan(8, 8)));
    }

    [Fact]
    public void The_payload_may_already_sit_in_the_destination()
    {
        EspSaParameters parameters = EspTestSa.Parameters(EspTransform.AesGcm16_128);
        byte[] payload = EspTestSa.Pattern(333, 4);
        using var a = new OutboundEspSa(parameters, SystemRandomSource.Instance);
        using var b = new OutboundEspSa(parameters, SystemRandomSource.Instance);

        byte[] expected = EspTestSa.Encrypt(a, payload);
        var buffer = new byte[b.GetPacketLength(payload.Length)];
        payload.CopyTo(buffer, b.PayloadOffset);
        Assert.Equal(buffer.Length, b.Encrypt(buffer.AsSpan(b.PayloadOffset, payload.Length), 17, buffer));
        Assert.Equal(expected, buffer);

        // Even at offset 0, overlapping where the header goes.
        using var c = new OutboundEspSa(parameters, SystemRandomSource.Instance);
        buffer = new byte[c.GetPacketLength(payload.Length)];
        payload.CopyTo(buffer, 0);
        c.Encrypt(buffer.AsSpan(0, payload.Length), 17, buffer);
        Assert.Equal(expected, buffer);
    }

    [Fact]
    public void A_short_transmit_buffer_is_a_caller_bug()
    {
        using var outbound = new OutboundEspSa(EspTestSa.Parameters(EspTransform.AesCbc128HmacSha1_96), SystemRandomSource.Instance);
        int needed = outbound.GetPacketLength(100);
        Assert.Throws<ArgumentException>(() => outbound.Encrypt(new byte[100], 17, new byte[needed - 1]));
        Assert.Equal(1u, outbound.NextSequenceNumber); // no sequence number used up
    }

    [Fact]
    public void Disposed_SAs_refuse_work()
    {
        (OutboundEspSa outbound, InboundEspSa inbound) = EspTestSa.Pair(EspTransform.AesCbc128HmacSha1_96);
        outbound.Dispose();
        inbound.Dispose();
        outbound.Dispose();
        inbound.Dispose();
        Assert.Throws<ObjectDisposedException>(() => outbound.Encrypt([1], 17, new byte[100]));
        Assert.Throws<ObjectDisposedException>(() => inbound.TryDecrypt(new byte[100], new byte[100], out _, out _));
    }

    private static byte[] SealByHand(EspSaParameters parameters, uint sequenceNumber, byte[] plaintext)
    {
        EspTransform transform = parameters.Transform;
        byte[] header = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, parameters.Spi);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), sequenceNumber);
        byte[] iv = EspTestSa.Pattern(transform.IvLength, 0x77);
        var ciphertext = new byte[plaintext.Length];
        if (transform.IsCombinedMode)
        {
            using var gcm = new EspAesGcm(parameters.EncryptionKey.Span);
            var tag = new byte[16];
            gcm.Encrypt(iv, plaintext, ciphertext, tag, header);
            return [.. header, .. iv, .. ciphertext, .. tag];
        }

        using CbcCipher cbc = transform.Cipher == EspCipher.AesCbc
            ? CbcCipher.CreateAes(parameters.EncryptionKey.Span)
            : CbcCipher.CreateTripleDes(parameters.EncryptionKey.Span);
        cbc.Encrypt(iv, plaintext, ciphertext);
        byte[] covered = [.. header, .. iv, .. ciphertext];
        using HmacIntegrity hmac = HmacIntegrity.HmacSha1_96(parameters.IntegrityKey.Span);
        var icv = new byte[12];
        hmac.Compute(covered, icv);
        return [.. covered, .. icv];
    }
}
