namespace Appliance.Platform.Linux.Probe;

public enum DatapathKind { Kernel, Userspace }

/// <summary>Which datapath the box uses, and the facts that decided it (shown on the status page).</summary>
public sealed record Datapath(DatapathKind Kind, IReadOnlyList<string> Reasons)
{
    /// <summary>The kernel datapath needs all four: ESP transforms (esp4), the XFRM netlink
    /// interface to install SAs, L2TP with PPP-over-L2TP sockets (l2tp_ppp), and /dev/ppp. With
    /// any missing, ESP, L2TP and PPP all run in this process over a TUN device.</summary>
    public static Datapath Decide(KernelFeatures k)
    {
        var missing = new List<string>();
        if (k.Esp4 == ModuleState.Absent) missing.Add("no esp4 module (kernel ESP)");
        if (k.XfrmUser == ModuleState.Absent && !k.NetlinkXfrmOpens) missing.Add("no xfrm_user (netlink XFRM)");
        if (k.L2tpPpp == ModuleState.Absent) missing.Add("no l2tp_ppp module (kernel L2TP)");
        if (!k.DevPppExists && k.PppGeneric == ModuleState.Absent) missing.Add("no /dev/ppp (ppp_generic)");
        if (missing.Count > 0)
            return new Datapath(DatapathKind.Userspace, missing);
        return new Datapath(DatapathKind.Kernel,
        [
            $"esp4 {Describe(k.Esp4)}", $"xfrm_user {Describe(k.XfrmUser)}",
            $"l2tp_ppp {Describe(k.L2tpPpp)}", k.DevPppExists ? "/dev/ppp present" : $"ppp_generic {Describe(k.PppGeneric)}",
        ]);
    }

    private static string Describe(ModuleState s) => s switch
    {
        ModuleState.Builtin => "built in",
        ModuleState.Loaded => "loaded",
        ModuleState.Loadable => "loadable",
        _ => "absent",
    };
}
