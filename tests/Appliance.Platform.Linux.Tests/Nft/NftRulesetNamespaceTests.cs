using System.Diagnostics;
using Appliance.Platform.Linux.Nft;
using Appliance.Platform.Linux.Tests.Tun;

namespace Appliance.Platform.Linux.Tests.Nft;

/// <summary>The nft tool driven in a network namespace of the test's own (as root; elsewhere
/// the namespace cannot be made and there is nothing to test).</summary>
public class NftRulesetNamespaceTests
{
    private const string Body =
        "map client_mss { typeof ip saddr : tcp option maxseg size; }\n" +
        "chain forward {\n    type filter hook forward priority mangle; policy accept;\n" +
        "    iifname \"vpn0\" tcp flags syn / syn,rst tcp option maxseg size set ip saddr map @client_mss counter\n}";

    [Fact]
    public void A_table_is_replaced_whole_and_its_map_takes_and_drops_elements()
    {
        IsolatedNetwork.Run(() =>
        {
            NftRuleset.Replace("inet", "nft_test", Body);
            NftRuleset.Replace("inet", "nft_test", Body); // again: replaced, not added twice
            Assert.Single(Lines(List("inet", "nft_test")), l => l.Contains("iifname \"vpn0\""));

            NftRuleset.AddMapElement("inet", "nft_test", "client_mss", "10.8.0.7", "1230");
            Assert.Contains("10.8.0.7 : 1230", List("inet", "nft_test"));
            NftRuleset.DeleteMapElement("inet", "nft_test", "client_mss", "10.8.0.7");
            Assert.DoesNotContain("10.8.0.7", List("inet", "nft_test"));

            // A refused script names nft's reason and leaves the table as it was.
            var refused = Assert.Throws<IOException>(() => NftRuleset.Replace("inet", "nft_test", "chain forward { no such statement }"));
            Assert.StartsWith("nft refused the rules:", refused.Message);
            Assert.Contains("client_mss", List("inet", "nft_test"));
            Assert.Throws<IOException>(() => NftRuleset.DeleteMapElement("inet", "nft_test", "client_mss", "10.8.0.9"));

            NftRuleset.Delete("inet", "nft_test");
            NftRuleset.Delete("inet", "nft_test"); // deleting what is gone is no error
            Assert.DoesNotContain("nft_test", Run("list tables"));
        });
    }

    private static string[] Lines(string text) => text.Split('\n');

    private static string List(string family, string table) => Run($"list table {family} {table}");

    private static string Run(string arguments)
    {
        using var p = Process.Start(new ProcessStartInfo(NftRuleset.Tool, arguments) { RedirectStandardOutput = true, UseShellExecute = false })!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }
}
