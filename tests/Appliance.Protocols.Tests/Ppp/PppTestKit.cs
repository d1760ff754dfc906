using System.Buffers.Binary;
using System.Net;
using System.Text;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ppp;

namespace Appliance.Protocols.Tests.Ppp;

/// <summary>A frame the session sent, split into its parts.</summary>
internal readonly record struct Sent(ushort Protocol, byte Code, byte Id, byte[] Data)
{
    public string DataHex => Convert.ToHexString(Data);
}

/// <summary>Frame builders and action filters shared by the PPP tests.</summary>
internal static class PppKit
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly IPAddress Local = IPAddress.Parse("192.168.50.1");
    public static readonly IPAddress Dns1 = IPAddress.Parse("192.168.50.1");
    public static readonly IPAddress Dns2 = IPAddress.Parse("9.9.9.9");

    public static PppSessionOptions Options(bool allowPap = false, IPAddress? wins1 = null) => new()
    {
        LocalAddress = Local,
        Dns1 = Dns1,
        Dns2 = Dns2,
        Wins1 = wins1,
        AllowPap = allowPap,
    };

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>FF 03, protocol, Code/Id/Length, data: a control packet as L2TP carries it.</summary>
    public static byte[] Frame(ushort protocol, byte code, byte id, ReadOnlySpan<byte> data)
    {
        var frame = new byte[8 + data.Length];
        frame[0] = 0xFF;
        frame[1] = 0x03;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), protocol);
        frame[4] = code;
        frame[5] = id;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(6), (ushort)(4 + data.Length));
        data.CopyTo(frame.AsSpan(8));
        return frame;
    }

    public static byte[] Lcp(byte code, byte id, string hex = "") => Frame(PppProtocol.Lcp, code, id, Hex(hex));
    public static byte[] Ipcp(byte code, byte id, string hex = "") => Frame(PppProtocol.Ipcp, code, id, Hex(hex));

    public static List<Sent> Frames(this IEnumerable<PppAction> actions)
    {
        var sent = new List<Sent>();
        foreach (var frame in actions.OfType<PppSendFrame>().Select(f => f.Frame))
        {
            Assert.Equal(0xFF, frame[0]);
            Assert.Equal(0x03, frame[1]);
            ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(2));
            int length = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(6));
            Assert.Equal(frame.Length - 4, length);
            sent.Add(new Sent(protocol, frame[4], frame[5], frame[8..]));
        }
        return sent;
    }

    public static Sent Only(this IEnumerable<PppAction> actions, ushort protocol, byte code) =>
        Assert.Single(actions.Frames(), s => s.Protocol == protocol && s.Code == code);

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}

/// <summary>Users, a small address pool and static addresses, recording what the session did with them.</summary>
internal sealed class FakeAuthority : IPppAuthority
{
    private readonly Dictionary<string, (string Password, bool Enabled, bool KeepClear, IPAddress? Static)> _users = new(StringComparer.OrdinalIgnoreCase);
    private readonly Queue<IPAddress> _pool = new();

    public FakeAuthority(params string[] pool)
    {
        foreach (var a in pool.Length == 0 ? ["192.168.50.100", "192.168.50.101"] : pool) _pool.Enqueue(IPAddress.Parse(a));
    }

    public List<IPAddress> Allocated { get; } = [];
    public List<IPAddress> Released { get; } = [];
    public List<string> Lookups { get; } = [];
    public List<PppUserSecret> Handed { get; } = [];

    public FakeAuthority User(string name, string password, bool enabled = true, bool keepClear = true, string? staticAddress = null)
    {
        _users[name] = (password, enabled, keepClear, staticAddress is null ? null : IPAddress.Parse(staticAddress));
        return this;
    }

    public PppUserSecret? FindUser(string userName)
    {
        Lookups.Add(userName);
        if (!_users.TryGetValue(userName, out var u)) return null;
        var secret = new PppUserSecret(MsChapV2.NtPasswordHash(u.Password), u.KeepClear ? Encoding.UTF8.GetBytes(u.Password) : null, u.Enabled);
        Handed.Add(secret);
        return secret;
    }

    public IPAddress? AllocateAddress(string userName)
    {
        IPAddress? address = _users.TryGetValue(userName, out var u) && u.Static is not null ? u.Static
            : _pool.Count > 0 ? _pool.Dequeue() : null;
        if (address is not null) Allocated.Add(address);
        return address;
    }

    public void ReleaseAddress(IPAddress address)
    {
        Released.Add(address);
        _pool.Enqueue(address);
    }
}

/// <summary>Random bytes from a seed, except that queued values are handed out first to fills of their exact size.</summary>
internal sealed class ScriptedRandom(int seed = 7) : IRandomSource
{
    private readonly Random _random = new(seed);
    private readonly Dictionary<int, Queue<byte[]>> _scripted = [];

    public ScriptedRandom Then(byte[] value)
    {
        if (!_scripted.TryGetValue(value.Length, out var queue)) _scripted[value.Length] = queue = new Queue<byte[]>();
        queue.Enqueue(value);
        return this;
    }

    public void Fill(Span<byte> destination)
    {
        if (_scripted.TryGetValue(destination.Length, out var queue) && queue.TryDequeue(out var value)) value.CopyTo(destination);
        else _random.NextBytes(destination);
    }
}
