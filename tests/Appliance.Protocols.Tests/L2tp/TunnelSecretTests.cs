using System.Security.Cryptography;
using Appliance.Protocols.L2tp;
using static Appliance.Protocols.Tests.L2tp.TestWire;

namespace Appliance.Protocols.Tests.L2tp;

/// <summary>
/// The tunnel secret: hidden AVPs (§4.3) and tunnel authentication (§5.1.1), each checked against
/// values computed here from the RFC formulas with System.Security.Cryptography's MD5.
/// </summary>
public class TunnelSecretTests
{
    private static readonly byte[] Secret = Ascii("correct horse battery");

    private static L2tpServer Server(byte[]? secret, int seed = 30) =>
        new(new L2tpServerOptions { TunnelSecret = secret }, new L2tpTestRandom(seed));

    /// <summary>CHAP as §5.1.1 uses it: MD5(message type byte || secret || challenge).</summary>
    private static byte[] Chap(byte messageType, byte[] secret, byte[] challenge) => MD5.HashData([messageType, .. secret, .. challenge]);

    [Fact]
    public void Reveal_undoes_the_rfc_formula_over_several_segments()
    {
        byte[] value = Ascii("a host name long enough for three MD5 segments");
        byte[] vector = Convert.FromHexString("00112233445566778899AABBCCDDEEFF0102");
        byte[] hidden = Hide(HostName, Secret, vector, value, padding: [7, 7, 7, 7, 7]);
        Assert.Equal(2 + value.Length + 5, hidden.Length);
        Assert.True(hidden.Length > 32 && hidden.Length % 16 != 0);

        Assert.True(L2tpHiddenAvp.TryReveal(HostName, Secret, vector, hidden, out var revealed));
        Assert.Equal(Convert.ToHexString(value), Convert.ToHexString(revealed));

        // Another attribute type, vector or secret gives another keystream.
        Assert.False(L2tpHiddenAvp.TryReveal(VendorName, Secret, vector, hidden, out var other) && other.AsSpan().SequenceEqual(value));
        Assert.False(L2tpHiddenAvp.TryReveal(HostName, Ascii("wrong"), vector, hidden, out other) && other.AsSpan().SequenceEqual(value));
        Assert.False(L2tpHiddenAvp.TryReveal(HostName, Secret, vector[1..], hidden, out other) && other.AsSpan().SequenceEqual(value));
        Assert.False(L2tpHiddenAvp.TryReveal(HostName, Secret, vector, hidden[..1], out _));
    }

    [Fact]
    public void First_segment_is_md5_of_type_secret_vector()
    {
        // A two-byte value, no padding: the hidden field is 4 bytes, XORed with the first 4 bytes
        // of MD5(00 09 || secret || vector) for Assigned Tunnel ID (type 9).
        byte[] vector = [0xde, 0xad, 0xbe, 0xef];
        byte[] key = MD5.HashData([0x00, 0x09, .. Secret, .. vector]);
        byte[] plain = [0x00, 0x02, 0x12, 0x34];
        byte[] hidden = plain.Select((b, i) => (byte)(b ^ key[i])).ToArray();
        Assert.True(L2tpHiddenAvp.TryReveal(AssignedTunnelId, Secret, vector, hidden, out var revealed));
        Assert.Equal("1234", Convert.ToHexString(revealed));
    }

    [Fact]
    public void Hidden_avps_in_a_sccrq_are_revealed_and_challenge_answered()
    {
        var clock = new TestClock();
        var server = Server(Secret);
        var lac = FakeLac.For(server, clock, ClientSccrqs.Xl2tpd);
        byte[] vector = RandomNumberGenerator.GetBytes(16);
        byte[] peerChallenge = RandomNumberGenerator.GetBytes(16);
        var sccrq = Control(0, 0, 0, 0, Type(Sccrq), Avp16(ProtocolVersion, 0x0100), Avp32(FramingCaps, 3),
            Avp(RandomVector, vector),
            Avp(HostName, Hide(HostName, Secret, vector, Ascii("hidden-host"), padding: new byte[9]), hidden: true),
            Avp(AssignedTunnelId, Hide(AssignedTunnelId, Secret, vector, U16(ClientSccrqs.Xl2tpd.TunnelId), padding: []), hidden: true),
            Avp16(ReceiveWindow, 4), Avp(Challenge, peerChallenge));
        lac.Send(sccrq);
        lac.Ns = 1;

        // SCCRP: our answer to their challenge (identifier 2) and a challenge of ours.
        var sccrp = lac.Expect(Sccrp);
        Assert.Equal(Convert.ToHexString(Chap(2, Secret, peerChallenge)), Convert.ToHexString(sccrp.Find(ChallengeResponse)!.Value));
        byte[] ourChallenge = sccrp.Find(Challenge)!.Value;
        Assert.Equal(16, ourChallenge.Length);
        lac.ServerTunnelId = sccrp.Get16(AssignedTunnelId)!.Value;

        // SCCCN answers it with identifier 3.
        lac.SendControl(0, Type(Scccn), Avp(ChallengeResponse, Chap(3, Secret, ourChallenge)));
        var up = lac.Single<L2tpTunnelUp>();
        Assert.Equal("hidden-host", up.Info.HostName);
        Assert.Equal(ClientSccrqs.Xl2tpd.TunnelId, up.PeerTunnelId);
    }

    [Theory]
    [InlineData("wrong")]
    [InlineData("missing")]
    [InlineData("as if for SCCRP")]
    public void A_bad_challenge_response_is_refused_with_result_4(string how)
    {
        var clock = new TestClock();
        var server = Server(Secret);
        var lac = FakeLac.For(server, clock, ClientSccrqs.Windows);
        lac.Send(ClientSccrqs.Windows.Bytes);
        lac.Ns = 1;
        var sccrp = lac.Expect(Sccrp);
        Assert.Null(sccrp.Find(ChallengeResponse));
        byte[] challenge = sccrp.Find(Challenge)!.Value;
        lac.ServerTunnelId = sccrp.Get16(AssignedTunnelId)!.Value;
        byte[][] extra = how switch
        {
            "wrong" => [Avp(ChallengeResponse, Chap(3, Ascii("guess"), challenge))],
            "missing" => [],
            _ => [Avp(ChallengeResponse, Chap(2, Secret, challenge))],
        };
        lac.SendControl(0, [Type(Scccn), .. extra]);
        Assert.Equal((ushort)4, lac.Expect(StopCcn).Result().Result);
        Assert.Empty(lac.Events.OfType<L2tpTunnelUp>());
        Assert.Equal(0, server.TunnelCount);
    }

    [Fact]
    public void A_challenge_without_a_configured_secret_is_refused_with_result_4()
    {
        var clock = new TestClock();
        var lac = FakeLac.For(Server(null), clock, ClientSccrqs.Windows);
        var sccrq = Control(0, 0, 0, 0, Type(Sccrq), Avp16(ProtocolVersion, 0x0100), Avp(HostName, Ascii("h")),
            Avp32(FramingCaps, 1), Avp16(AssignedTunnelId, 1), Avp(Challenge, [1, 2, 3, 4]));
        lac.Send(sccrq);
        Assert.Equal((ushort)4, lac.Expect(StopCcn).Result().Result);
    }

    [Fact]
    public void A_mandatory_hidden_avp_that_cannot_be_revealed_refuses_the_tunnel()
    {
        // No secret here, so the hidden Host Name cannot be read.
        var clock = new TestClock();
        var lac = FakeLac.For(Server(null), clock, ClientSccrqs.Windows);
        byte[] vector = [1, 2, 3];
        var sccrq = Control(0, 0, 0, 0, Type(Sccrq), Avp16(ProtocolVersion, 0x0100), Avp32(FramingCaps, 1),
            Avp(RandomVector, vector), Avp(HostName, Hide(HostName, Secret, vector, Ascii("h"), []), hidden: true),
            Avp16(AssignedTunnelId, 1));
        lac.Send(sccrq);
        var stop = lac.Expect(StopCcn);
        Assert.Equal(((ushort)2, (ushort?)3), (stop.Result().Result, stop.Result().Error));
    }

    [Fact]
    public void Authentication_is_off_by_default()
    {
        var clock = new TestClock();
        var lac = FakeLac.For(Server(null), clock, ClientSccrqs.Windows);
        lac.BringUpTunnel(ClientSccrqs.Windows.Bytes);
        Assert.Single(lac.Events.OfType<L2tpTunnelUp>());
        Assert.DoesNotContain(lac.Received, r => r.Message.Find(Challenge) is not null);
    }
}
