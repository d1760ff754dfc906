using System.Globalization;
using System.Net;

/// <summary>--name value pairs and --flag switches.</summary>
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
    public string Get(string name) => _values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");
    public string Get(string name, string fallback) => _values.TryGetValue(name, out var v) ? v : fallback;
    public IPAddress Address(string name) => IPAddress.Parse(Get(name));
    public IPEndPoint EndPoint(string name) => IPEndPoint.Parse(Get(name));
    public ushort UShort(string name) => ushort.Parse(Get(name), CultureInfo.InvariantCulture);
    public int Int(string name, int fallback) => Has(name) ? int.Parse(Get(name), CultureInfo.InvariantCulture) : fallback;
}
