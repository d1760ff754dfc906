using System.Diagnostics;

namespace Appliance.Platform.Linux.Nft;

/// <summary>
/// Applies and removes an nftables table of the daemon's own through the <c>nft</c> tool (the
/// kernel's nftables netlink protocol is large; the tool is on every box that has nftables). A
/// table is replaced as a whole in one transaction (<c>nft -f</c> is atomic), so a failure leaves
/// the previous rules in place.
/// </summary>
public static class NftRuleset
{
    public const string Tool = "nft";

    /// <summary>Replaces table <paramref name="family"/> <paramref name="table"/> with
    /// <paramref name="body"/> (the table's chains and rules, nft syntax). Throws
    /// <see cref="IOException"/> with nft's message when it refuses.</summary>
    public static void Replace(string family, string table, string body)
    {
        // "add" then "delete" makes the delete succeed whether or not the table existed.
        Run($"add table {family} {table}\ndelete table {family} {table}\ntable {family} {table} {{\n{body}\n}}\n");
    }

    public static void Delete(string family, string table) =>
        Run($"add table {family} {table}\ndelete table {family} {table}\n");

    /// <summary>Adds <paramref name="key"/> : <paramref name="value"/> in a map of
    /// the table. Key and value are nft literals the caller formatted (addresses, numbers), never
    /// text from outside.</summary>
    public static void AddMapElement(string family, string table, string map, string key, string value) =>
        Run($"add element {family} {table} {map} {{ {key} : {value} }}\n");

    public static void DeleteMapElement(string family, string table, string map, string key) =>
        Run($"delete element {family} {table} {map} {{ {key} }}\n");

    private static void Run(string script)
    {
        var info = new ProcessStartInfo(Tool, "-f -")
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        Process process;
        try { process = Process.Start(info) ?? throw new IOException("nft did not start"); }
        catch (System.ComponentModel.Win32Exception e) { throw new IOException($"cannot run {Tool}: {e.Message}", e); }
        using (process)
        {
            process.StandardInput.Write(script);
            process.StandardInput.Close();
            string error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(10_000)) { process.Kill(); throw new IOException($"{Tool} did not finish in 10 s"); }
            if (process.ExitCode != 0) throw new IOException($"{Tool} refused the rules: {error.Trim()}");
        }
    }
}
