using Appliance.Protocols.Ppp;
using static Appliance.Protocols.Tests.Ppp.PppKit;

namespace Appliance.Protocols.Tests.Ppp;

/// <summary>
/// Every decoder and the session in every state of a recorded dial-in get every truncated prefix
/// of each frame and random mutations of it. Nothing may throw; at the end the session must still
/// give back every address it took.
/// </summary>
public class HostileInputTests
{
    private const int MutationsPerFrame = 250;

    /// <summary>A complete Windows-like dial-in and shutdown; returns the frames the client sent.</summary>
    private static List<byte[]> RecordMsChapV2(out Func<TestClient> fresh)
    {
        fresh = () => new TestClient();
        var client = fresh();
        client.Start();
        client.Send(Lcp(1, 1, "01 04 05 78 05 06 3A 2B 1C 0D 07 02 08 02 0D 03 06 11 04 06 4E"));
        client.OpenLcp();
        client.Send(Lcp(12, 2, "3A2B1C0D" + Convert.ToHexString(Ascii("MSRASV5.20"))));
        var ipcpRequest = client.RespondMsChapV2("User", "clientPass", out _).Only(PppProtocol.Ipcp, 1);
        client.Send(Frame(PppProtocol.Ccp, 1, 1, Hex("12 06 01 00 00 60")));
        client.NegotiateIpcp(ipcpRequest, "C0A83264");
        client.Send(Frame(PppProtocol.Ipv6cp, 1, 1, Hex("01 0A 0011223344556677")));
        client.Send(Hex("FF03 0021 450000140000000040060000C0A83264C0A83201"));
        client.Send(Lcp(9, 3, "3A2B1C0D 0102"));
        client.Send(Lcp(10, 1, "3A2B1C0D"));
        client.Send(Lcp(8, 1, "8021 01010004"));
        client.Send(Lcp(5, 4));
        Assert.Single(client.All.OfType<PppNetworkUp>());
        return client.Sent;
    }

    private static List<byte[]> RecordPap(out Func<TestClient> fresh)
    {
        fresh = () => new TestClient(Options(allowPap: true), new FakeAuthority().User("alice", "secret"));
        var client = fresh();
        client.Start();
        var papRequest = client.Send(Lcp(3, client.ServerLcpRequest!.Value.Id, "03 04 C0 23")).Only(PppProtocol.Lcp, 1);
        client.Send(Lcp(1, 1, TestClient.WindowsCleanLcp));
        client.AckServer(papRequest);
        var answer = client.Send(Frame(PppProtocol.Pap, 1, 7, [5, .. Ascii("alice"), 6, .. Ascii("secret")]));
        Assert.Single(answer.OfType<PppAuthenticated>());
        client.NegotiateIpcp(answer.Only(PppProtocol.Ipcp, 1), "C0A83264");
        return client.Sent;
    }

    private static byte[] Mutate(byte[] frame, Random random)
    {
        var m = (byte[])frame.Clone();
        switch (random.Next(5))
        {
            case 0:
                for (int i = random.Next(1, 4); i > 0 && m.Length > 0; i--) m[random.Next(m.Length)] = (byte)random.Next(256);
                return m;
            case 1:
                // The Length field of a control packet (bytes 6-7 with a full header).
                if (m.Length > 7) { m[6] = (byte)random.Next(256); m[7] = (byte)random.Next(256); }
                return m;
            case 2:
                // An option or value-size byte somewhere in the body.
                if (m.Length > 9) m[random.Next(8, m.Length)] = (byte)random.Next(256);
                return m;
            case 3:
                return [.. m, .. Enumerable.Range(0, random.Next(1, 40)).Select(_ => (byte)random.Next(256))];
            default:
                return m[..random.Next(m.Length + 1)];
        }
    }

    public static IEnumerable<object[]> Recordings() => [["MS-CHAPv2"], ["PAP"]];

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Session_survives_truncated_and_mutated_frames_in_every_state(string recording)
    {
        Func<TestClient> fresh;
        var frames = recording == "PAP" ? RecordPap(out fresh) : RecordMsChapV2(out fresh);
        var random = new Random(1661);
        int live = 0, total = 0;
        for (int state = 0; state < frames.Count; state++)
        {
            var client = Replay(fresh, frames, state);
            for (int length = 0; length < frames[state].Length; length++)
                client.Send(frames[state][..length]);
            CheckAccounting(client);

            client = Replay(fresh, frames, state);
            for (int i = 0; i < MutationsPerFrame; i++)
            {
                var source = random.Next(4) == 0 ? frames[random.Next(frames.Count)] : frames[state];
                if (client.Session.Phase != PppPhase.Dead) live++;
                total++;
                client.Send(Mutate(source, random));
                if (i % 50 == 0) client.Advance(TimeSpan.FromSeconds(random.Next(1, 20)));
            }
            CheckAccounting(client);
        }
        // Most garbage must meet a live session, not one an earlier mutation already took down.
        Assert.True(live > total / 3, $"only {live} of {total} mutations reached a live session");
    }

    private static TestClient Replay(Func<TestClient> fresh, List<byte[]> frames, int count)
    {
        var client = fresh();
        client.Start();
        foreach (var frame in frames.Take(count)) client.Send(frame);
        return client;
    }

    /// <summary>At most one link-down, always last; and after a lower-layer-down no address is left taken.</summary>
    private static void CheckAccounting(TestClient client)
    {
        client.All.AddRange(client.Session.LowerLayerDown("test over", client.Now));
        Assert.Single(client.All.OfType<PppLinkDown>());
        Assert.IsType<PppLinkDown>(client.All[^1]);
        Assert.Equal(client.Authority.Allocated.Count, client.Authority.Released.Count);
        Assert.Equal(PppPhase.Dead, client.Session.Phase);
    }

    [Fact]
    public void Decoders_never_throw_on_prefixes_and_mutations()
    {
        var frames = RecordMsChapV2(out _).Concat(RecordPap(out _)).ToList();
        var random = new Random(1994);
        var inputs = new List<byte[]>();
        foreach (var frame in frames)
        {
            for (int length = 0; length <= frame.Length; length++) inputs.Add(frame[..length]);
            for (int i = 0; i < 200; i++) inputs.Add(Mutate(frame, random));
        }
        foreach (var input in inputs)
        {
            PppFraming.TryGetIpPacket(input, out _);
            if (!PppFraming.TryDecode(input, out _, out Range range)) continue;
            var information = input[range];
            if (!ControlPacket.TryParse(information, out var packet)) continue;
            Assert.InRange(packet.Whole.Length, ControlPacket.HeaderLength, information.Length);
            var data = packet.Data;
            bool wellFormed = ConfigOptionReader.IsWellFormed(data);
            int consumed = 0;
            foreach (var option in new ConfigOptionReader(data)) consumed += option.Whole.Length;
            // The reader stops at the first bad option; on a well-formed list it reads every byte.
            if (wellFormed) Assert.Equal(data.Length, consumed);
            else Assert.True(consumed < data.Length);
        }
    }
}
