namespace Appliance.Platform.Linux.Probe;

/// <summary>
/// Answers "is this kernel module usable" from the three places the kernel documents it:
/// /sys/module/NAME (loaded, or built in with parameters), modules.builtin (built in), and
/// modules.dep (installed, loadable with modprobe).
/// </summary>
public sealed class KernelModules
{
    private readonly HashSet<string> _loaded;
    private readonly HashSet<string> _builtin;
    private readonly HashSet<string> _loadable;

    public KernelModules(IEnumerable<string> loaded, string modulesBuiltin, string modulesDep)
    {
        _loaded = new HashSet<string>(loaded.Select(Normalize), StringComparer.Ordinal);
        _builtin = ModuleNames(modulesBuiltin.Split('\n'));
        // modules.dep: "kernel/net/ipv4/esp4.ko.xz: kernel/net/xfrm/..." - the module is before ':'.
        _loadable = ModuleNames(modulesDep.Split('\n').Select(l => l.Split(':')[0]));
    }

    public ModuleState State(string module)
    {
        string name = Normalize(module);
        if (_builtin.Contains(name)) return ModuleState.Builtin;
        if (_loaded.Contains(name)) return ModuleState.Loaded;
        if (_loadable.Contains(name)) return ModuleState.Loadable;
        return ModuleState.Absent;
    }

    // The kernel treats '-' and '_' in module names as the same character.
    private static string Normalize(string name) => name.Replace('-', '_');

    private static HashSet<string> ModuleNames(IEnumerable<string> paths)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in paths)
        {
            string path = raw.Trim();
            if (path.Length == 0) continue;
            string file = path[(path.LastIndexOf('/') + 1)..];
            int ko = file.IndexOf(".ko", StringComparison.Ordinal);
            if (ko > 0) set.Add(Normalize(file[..ko]));
        }
        return set;
    }
}
