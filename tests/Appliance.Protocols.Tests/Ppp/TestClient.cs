using System.Text;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ppp;
using static Appliance.Protocols.Tests.Ppp.PppKit;

namespace Appliance.Protocols.Tests.Ppp;

/// <summary>
/// The client side of a dial-in, step by step, written from the RFCs: it sends what a Windows
/// client sends and records every action the session returns.
/// </summary>
internal sealed class TestClient
{
    /// <summary>Our (the session's) magic number, scripted so requests can be compared byte for byte.</summary>
    public const string ServerMagic = "11223344";

    /// <summary>RFC 2759 §9.2: the authenticator challenge of the worked example.</summary>
    public const string RfcAuthenticatorChallenge = "5B5D7C7D7B3F2F3E3C2C602132262628";
    public const string RfcPeerChallenge = "21402324255E262A28295F2B3A337C7E";

    /// <summary>Windows' second LCP request, after we rejected Callback and the multilink options.</summary>
    public const string WindowsCleanLcp = "01 04 05 78 05 06 3A 2B 1C 0D 07 02 08 02";

    public TestClient(PppSessionOptions? options = null, FakeAuthority? authority = null, ScriptedRandom? random = null)
    {
        Authority = authority ?? new FakeAuthority().User("User", "clientPass");
        Random = random ?? new ScriptedRandom().Then(Hex(ServerMagic)).Then(Hex(RfcAuthenticatorChallenge));
        Session = new PppSession(options ?? Options(), Authority, Random);
    }

    public PppSession Session { get; }
    public FakeAuthority Authority { get; }
    public ScriptedRandom Random { get; }
    public DateTimeOffset Now { get; set; } = T0;
    public List<PppAction> All { get; } = [];

    /// <summary>Every frame we sent the session, in order, for replay by the hostile-input tests.</summary>
    public List<byte[]> Sent { get; } = [];

    public Sent? ServerLcpRequest { get; private set; }
    public Sent? Challenge { get; private set; }

    public List<PppAction> Start()
    {
        var actions = Record(Session.Start(Now));
        ServerLcpRequest = actions.Only(PppProtocol.Lcp, 1);
        return actions;
    }

    public List<PppAction> Send(byte[] frame)
    {
        Sent.Add(frame);
        return Record(Session.Receive(frame, Now));
    }

    public List<PppAction> Advance(TimeSpan by)
    {
        Now += by;
        return Record(Session.Tick(Now));
    }

    /// <summary>Acknowledge the session's latest request of a protocol, verbatim.</summary>
    public List<PppAction> AckServer(Sent request) => Send(Frame(request.Protocol, 2, request.Id, request.Data));

    /// <summary>LCP as a Windows client after the reject round (started first if need be): both requests acked. Returns the opening step.</summary>
    public List<PppAction> OpenLcp(string clientOptions = WindowsCleanLcp)
    {
        if (ServerLcpRequest is null) Start();
        var reply = Send(Lcp(1, 1, clientOptions)).Only(PppProtocol.Lcp, 2);
        Assert.Equal(Convert.ToHexString(Hex(clientOptions)), reply.DataHex);
        var opened = AckServer(ServerLcpRequest!.Value);
        Assert.Equal(PppAutomatonState.Opened, Session.LcpState);
        var challenges = opened.Frames().Where(f => f.Protocol == PppProtocol.Chap && f.Code == 1).ToList();
        if (challenges.Count == 1) Challenge = challenges[0];
        return opened;
    }

    /// <summary>The 16 challenge bytes of the session's CHAP Challenge.</summary>
    public byte[] ChallengeValue
    {
        get
        {
            var c = Challenge!.Value;
            Assert.Equal(16, c.Data[0]);
            return c.Data[1..17];
        }
    }

    public static byte[] MsChapV2ResponseData(byte[] authenticatorChallenge, byte[] peerChallenge, string sentName, string password, out byte[] ntResponse)
    {
        byte[] name = Encoding.ASCII.GetBytes(sentName);
        ntResponse = MsChapV2.GenerateNTResponse(authenticatorChallenge, peerChallenge, MsChapV2.UserNameWithoutDomain(name), password);
        var data = new List<byte> { 49 };
        data.AddRange(peerChallenge);
        data.AddRange(new byte[8]);
        data.AddRange(ntResponse);
        data.Add(0);
        data.AddRange(name);
        return [.. data];
    }

    /// <summary>MS-CHAPv2 Response to the session's Challenge, with the RFC 2759 peer challenge.</summary>
    public List<PppAction> RespondMsChapV2(string name, string password, out byte[] ntResponse)
    {
        var data = MsChapV2ResponseData(ChallengeValue, Hex(RfcPeerChallenge), name, password, out ntResponse);
        return Send(Frame(PppProtocol.Chap, 2, Challenge!.Value.Id, data));
    }

    /// <summary>Windows' IPCP: address, DNS and WINS asked as 0.0.0.0; WINS dropped after a reject. Returns the IPCP Ack.</summary>
    public Sent NegotiateIpcp(Sent serverRequest, string expectedAddress)
    {
        var reject = Send(Ipcp(1, 1, "03 06 00000000 81 06 00000000 82 06 00000000 83 06 00000000 84 06 00000000")).Only(PppProtocol.Ipcp, 4);
        Assert.Equal("820600000000840600000000", reject.DataHex);
        var nak = Send(Ipcp(1, 2, "03 06 00000000 81 06 00000000 83 06 00000000")).Only(PppProtocol.Ipcp, 3);
        string values = "0306" + expectedAddress + "8106C0A832018306" + "09090909";
        Assert.Equal(values, nak.DataHex);
        var ack = Send(Ipcp(1, 3, values)).Only(PppProtocol.Ipcp, 2);
        Assert.Equal(values, ack.DataHex);
        AckServer(serverRequest);
        return ack;
    }

    private List<PppAction> Record(List<PppAction> actions)
    {
        All.AddRange(actions);
        return actions;
    }
}
