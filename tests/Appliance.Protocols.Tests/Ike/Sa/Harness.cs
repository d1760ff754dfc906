using System.Net;
using System.Text;
using Appliance.Protocols.Ike.Policy;
using Appliance.Protocols.Ike.Sa;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Tests.Ike.Sa;

/// <summary>Addresses, keys and a clock shared by the responder tests.</summary>
internal static class Net
{
    public static readonly byte[] Psk = Encoding.ASCII.GetBytes("correct horse battery staple");
    public static readonly IPEndPoint Server = new(IPAddress.Parse("198.51.100.1"), 500);
    public static readonly IPEndPoint ServerNatT = new(IPAddress.Parse("198.51.100.1"), 4500);
    /// <summary>A client with a public address (no NAT).</summary>
    public static readonly IPEndPoint Client = new(IPAddress.Parse("203.0.113.5"), 500);
    /// <summary>What the server sees of a client behind a NAT: the NAT's address, a mapped port.</summary>
    public static readonly IPEndPoint NatPublic = new(IPAddress.Parse("203.0.113.77"), 40000);
    public static readonly IPEndPoint NatPublicFloated = new(IPAddress.Parse("203.0.113.77"), 40001);
    /// <summary>The same client's own address behind that NAT.</summary>
    public static readonly IPEndPoint NatPrivate = new(IPAddress.Parse("192.168.1.10"), 500);
    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static IkeResponderOptions Options(SecurityLevel level = SecurityLevel.Modern, int seed = 1000,
        byte[]? psk = null, int maxHalfOpenPerPeer = 8, int maxHalfOpenTotal = 256) => new()
    {
        PreSharedKey = psk ?? Psk,
        Policy = new AlgorithmPolicy(level),
        Random = new SeededRandom(seed),
        MaxHalfOpenPerPeer = maxHalfOpenPerPeer,
        MaxHalfOpenTotal = maxHalfOpenTotal,
    };

    public static IdentificationPayload UdpId(IPAddress address, ushort port, byte protocol = 17) =>
        new(IdType.Ipv4Address, protocol, port, address.GetAddressBytes());

    public static long TotalDrops(this IkeResponder r) => r.Drops.Values.Sum();
}

/// <summary>
/// One initiator talking to one responder: sends each message, checks there is exactly one reply
/// datagram and hands it to the initiator. Every step is a method so tests can stop anywhere.
/// </summary>
internal sealed class Session
{
    public Session(IkeResponder responder, TestInitiator initiator, IPEndPoint? from = null, IPEndPoint? local = null)
    {
        Responder = responder;
        Initiator = initiator;
        From = from ?? initiator.Self;
        Local = local ?? Net.Server;
    }

    public IkeResponder Responder { get; }
    public TestInitiator Initiator { get; }
    public IPEndPoint From { get; set; }
    public IPEndPoint Local { get; set; }
    public bool NatPort { get; set; }
    public DateTimeOffset Now { get; set; } = Net.T0;
    /// <summary>Every action of every message so far, in order.</summary>
    public List<IkeAction> All { get; } = [];
    public List<IkeAction> Last { get; private set; } = [];

    public List<IkeAction> Send(byte[] datagram)
    {
        Last = Responder.Receive(datagram, From, Local, NatPort, Now);
        All.AddRange(Last);
        return Last;
    }

    public static SendDatagram OnlyDatagram(List<IkeAction> actions) => Assert.Single(actions.OfType<SendDatagram>());

    public byte[] Mm1Bytes = [], Mm3Bytes = [], Mm5Bytes = [];
    public byte[] Mm2 = [], Mm4 = [], Mm6 = [];

    public void Step1()
    {
        Mm1Bytes = Initiator.MainMode1();
        Mm2 = OnlyDatagram(Send(Mm1Bytes)).Data;
        Initiator.ReadMainMode2(Mm2);
    }

    public void Step3()
    {
        Mm3Bytes = Initiator.MainMode3();
        Mm4 = OnlyDatagram(Send(Mm3Bytes)).Data;
        Initiator.ReadMainMode4(Mm4);
    }

    public void Step5()
    {
        Mm5Bytes = Initiator.MainMode5();
        Mm6 = OnlyDatagram(Send(Mm5Bytes)).Data;
        Initiator.ReadMainMode6(Mm6);
    }

    public Session MainMode()
    {
        Step1();
        Step3();
        Step5();
        return this;
    }

    /// <summary>QM1 → QM2 (verified) and returns the state, without QM3.</summary>
    public InitiatorQuickMode QuickMode12(QmOptions options)
    {
        var qm = Initiator.QuickMode1(options);
        var reply = OnlyDatagram(Send(qm.Message));
        Initiator.ReadQuickMode2(qm, reply.Data);
        return qm;
    }

    /// <summary>A whole Quick Mode; returns the initiator state and the responder's one InstallChildSa.</summary>
    public (InitiatorQuickMode Qm, ChildSaKeys Child) QuickMode(QmOptions? options = null)
    {
        var qm = QuickMode12(options ?? new QmOptions());
        var actions = Send(Initiator.QuickMode3(qm));
        Assert.Empty(actions.OfType<SendDatagram>());
        var install = Assert.Single(actions.OfType<InstallChildSa>());
        return (qm, install.Child);
    }
}
