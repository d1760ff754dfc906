using System.Globalization;
using System.Net;

/// <summary>--name value pairs and --flag switches: the command line of the lab drivers (one
/// source file, linked into each driver project).</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new();

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"unexpected argument {args[i]}");
            string name = args[i][2..];
            bool hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            o._values[name] = hasValue ? args[++i] : "";
        }
        return o;
    }

    public bool Has(string name) => _values.ContainsKey(name);
    public bool Flag(string name) => _values.ContainsKey(name);
    public string Get(string name) => _values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");
    public string Get(string name, string fallback) => _values.TryGetValue(name, out var v) ? v : fallback;
    public IPAddress Address(string name) => IPAddress.Parse(Get(name));
    public IPEndPoint EndPoint(string name) => IPEndPoint.Parse(Get(name));
    public ushort UShort(string name) => ushort.Parse(Get(name), CultureInfo.InvariantCulture);
    public uint UInt(string name) => uint.Parse(Get(name), CultureInfo.InvariantCulture);
    public int Int(string name, int fallback) => Has(name) ? int.Parse(Get(name), CultureInfo.InvariantCulture) : fallback;
    public uint Hex(string name) => ParseHex(Get(name));

    /// <summary>A number in hex, with or without "0x" (SPIs as ip xfrm prints them).</summary>
    public static uint ParseHex(string v)
    {
        if (v.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            v = v[2..];
        return uint.Parse(v, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
