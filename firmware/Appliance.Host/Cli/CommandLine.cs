namespace Appliance.Host.Cli;

/// <summary>
/// The parsed command line: positional words and --options. Options are declared per verb, so a
/// misspelt option is refused instead of ignored.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    public List<string> Words { get; } = [];

    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlySet<string> flags, IReadOnlySet<string> valued)
    {
        var line = new CommandLine();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--") { line.Words.AddRange(args.Skip(i + 1)); break; }
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2) { line.Words.Add(a); continue; }
            string name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            if (flags.Contains(name))
            {
                if (value is not null) throw new UsageException($"--{name} takes no value");
                line._options[name] = null;
            }
            else if (valued.Contains(name))
            {
                if (value is null)
                {
                    if (i + 1 >= args.Count) throw new UsageException($"--{name} needs a value");
                    value = args[++i];
                }
                line._options[name] = value;
            }
            else throw new UsageException($"unknown option --{name}");
        }
        return line;
    }

    public bool Has(string option) => _options.ContainsKey(option);
    public string? Value(string option) => _options.GetValueOrDefault(option);

    public string Word(int index, string what) =>
        index < Words.Count ? Words[index] : throw new UsageException($"missing {what}");

    public void NoMoreWordsAfter(int count)
    {
        if (Words.Count > count) throw new UsageException($"unexpected argument '{Words[count]}'");
    }
}
