using System.Buffers.Binary;
using Appliance.Protocols.L2tp;
using static Appliance.Protocols.Tests.L2tp.TestWire;

namespace Appliance.Protocols.Tests.L2tp;

/// <summary>
/// Hostile input: every truncated prefix and seeded random mutations of valid messages, through
/// every decoder and through a server that has a live tunnel and session. No exception may escape.
/// </summary>
public class RobustnessTests
{
    private const int Mutations = 1500;
    private static readonly byte[] Secret = Ascii("fuzz secret");

    /// <summary>A server with an established tunnel and session, and a LAC that can address it.</summary>
    private sealed class Live
    {
        public Live(int seed)
        {
            Clock = new TestClock();
            Server = new L2tpServer(new L2tpServerOptions { MaxTunnels = 4 }, new L2tpTestRandom(seed));
            Lac = FakeLac.For(Server, Clock, ClientSccrqs.Xl2tpd);
            TunnelId = Lac.BringUpTunnel(ClientSccrqs.Xl2tpd.Bytes);
            SessionId = Lac.BringUpSession(5);
        }

        public TestClock Clock { get; }
        public L2tpServer Server { get; }
        public FakeLac Lac { get; }
        public ushort TunnelId { get; }
        public ushort SessionId { get; }
    }

    public static TheoryData<string> Names => ["windows", "macos", "android", "xl2tpd", "icrq", "iccn", "cdn", "stopccn", "hidden", "data", "data-lso"];

    private static byte[] Sample(string name, Live live)
    {
        var lac = live.Lac;
        byte[] vector = [9, 8, 7, 6, 5];
        return name switch
        {
            "icrq" => lac.Build(0, Type(Icrq), Avp16(AssignedSessionId, 77), Avp32(CallSerialNumber, 3), Avp32(BearerType, 1),
                Avp(22, Ascii("5551234"), mandatory: true)),
            "iccn" => lac.Build(live.SessionId, Type(Iccn), Avp32(TxConnectSpeed, 1000), Avp32(FramingType, 1), Avp(26, [1, 2, 3, 4], false)),
            "cdn" => lac.Build(live.SessionId, Type(Cdn), Avp(ResultCode, [0, 2, 0, 6, .. Ascii("bye")]), Avp16(AssignedSessionId, 5)),
            "stopccn" => lac.Build(0, Type(StopCcn), Avp16(AssignedTunnelId, lac.TunnelId), Avp(ResultCode, [0, 1])),
            "hidden" => lac.Build(0, Type(Hello), Avp(RandomVector, vector),
                Avp(22, Hide(22, Secret, vector, Ascii("a hidden calling number value"), [0, 0, 0]), mandatory: true, hidden: true)),
            "data" => Data(live.TunnelId, live.SessionId, Convert.FromHexString("FF03C0210101000A0506DEADBEEF")),
            "data-lso" => Data(live.TunnelId, live.SessionId, Convert.FromHexString("FF03C0210101000A0506DEADBEEF"), length: true, sequence: true, offset: 3),
            _ => ClientSccrqs.ByName(name).Bytes,
        };
    }

    private static void Decode(byte[] input)
    {
        L2tpHeader.TryDecode(input, out _);
        L2tpDataCodec.TryParseData(input, out _, out _, out _);
        foreach (var secret in new[] { null, Secret })
        {
            if (L2tpControlMessage.TryParse(input, secret, out _, out var message) && message is not null)
            {
                _ = message.ResultCode();
                _ = message.Text(L2tpAvpType.HostName);
                _ = message.UInt16(L2tpAvpType.AssignedTunnelId);
                _ = message.UInt32(L2tpAvpType.FramingCapabilities);
            }
        }
        int position = 0;
        while (L2tpAvpReader.TryRead(input, ref position, out _) == L2tpAvpError.None) { }
        L2tpHiddenAvp.TryReveal(1, Secret, input.AsSpan(0, Math.Min(4, input.Length)), input, out _);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_truncated_prefix_is_refused_without_exception(string name)
    {
        var live = new Live(50);
        byte[] message = Sample(name, live);
        bool control = (message[0] & 0x80) != 0;
        var boundaries = new HashSet<int>();
        for (int at = 12; control && at <= message.Length; at += BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(at)) & 0x3ff)
        {
            boundaries.Add(at);
            if (at == message.Length) break;
        }
        for (int n = 0; n < message.Length; n++)
        {
            byte[] prefix = message[..n];
            Decode(prefix);
            live.Server.Receive(prefix, live.Lac.Peer, live.Clock.Now);
            // A control message's Length now exceeds the datagram: always an error.
            if (control) Assert.NotEqual(L2tpHeaderError.None, L2tpHeader.TryDecode(prefix, out _));

            // With Length patched to the cut, the AVP chain itself meets the cut.
            if (control && n >= 12)
            {
                BinaryPrimitives.WriteUInt16BigEndian(prefix.AsSpan(2), (ushort)n);
                Decode(prefix);
                Assert.True(L2tpControlMessage.TryParse(prefix, Secret, out _, out var parsed));
                if (!boundaries.Contains(n)) Assert.Equal(L2tpMessageProblem.Malformed, parsed!.Problem);
                live.Server.Receive(prefix, live.Lac.Peer, live.Clock.Now);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Random_mutations_never_throw(string name)
    {
        int seed = name.Aggregate(17, (h, c) => unchecked((h * 31) + c));
        var random = new Random(seed);
        var live = new Live(seed);
        var withSecret = new L2tpServer(new L2tpServerOptions { TunnelSecret = Secret }, new L2tpTestRandom(seed));
        byte[] message = Sample(name, live);
        for (int i = 0; i < Mutations; i++)
        {
            byte[] mutated = Mutate(message, random);
            Decode(mutated);
            live.Server.Receive(mutated, live.Lac.Peer, live.Clock.Now);
            withSecret.Receive(mutated, live.Lac.Peer, live.Clock.Now);
            if (i % 50 == 0)
            {
                live.Clock.Advance(random.Next(1, 40));
                live.Server.Tick(live.Clock.Now);
                withSecret.Tick(live.Clock.Now);
            }
            if (live.Server.TunnelCount == 0 && i % 100 == 0)
            {
                live = new Live(seed + i);
                message = Sample(name, live);
            }
        }
    }

    private static byte[] Mutate(byte[] message, Random random)
    {
        byte[] m = (byte[])message.Clone();
        switch (random.Next(6))
        {
            case 0:
                for (int flips = random.Next(1, 4); flips > 0; flips--) m[random.Next(m.Length)] ^= (byte)(1 << random.Next(8));
                return m;
            case 1:
                m[random.Next(m.Length)] = (byte)random.Next(256);
                return m;
            case 2:
            {
                // A length-like edit: header Length, AVP flag/length words, offsets.
                int offset = random.Next(0, m.Length - 1);
                ushort value = random.Next(4) switch
                {
                    0 => (ushort)random.Next(0, 16),
                    1 => (ushort)(BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(offset)) + random.Next(-8, 9)),
                    2 => (ushort)random.Next(0x10000),
                    _ => (ushort)(0x8000 | random.Next(0x400)),
                };
                BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(offset), value);
                return m;
            }
            case 3:
            {
                byte[] cut = m[..random.Next(1, m.Length)];
                if (cut.Length >= 4 && (cut[0] & 0x40) != 0) BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(2), (ushort)cut.Length);
                return cut;
            }
            case 4:
            {
                int at = random.Next(m.Length);
                byte[] junk = new byte[random.Next(1, 12)];
                random.NextBytes(junk);
                byte[] grown = [.. m[..at], .. junk, .. m[at..]];
                if ((grown[0] & 0x40) != 0) BinaryPrimitives.WriteUInt16BigEndian(grown.AsSpan(2), (ushort)grown.Length);
                return grown;
            }
            default:
            {
                // Version and flag bits.
                m[random.Next(2)] = (byte)random.Next(256);
                return m;
            }
        }
    }
}
