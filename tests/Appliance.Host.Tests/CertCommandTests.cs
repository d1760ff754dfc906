using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;

namespace Appliance.Host.Tests;

/// <summary>'appliance cert ...' through the NativeAOT binary: BouncyCastle's X.509 and PKCS#12
/// code must survive trimming, and the files must be readable by other tools.</summary>
public class CertCommandTests
{
    private static ApplianceBinary.Result Run(params string[] args) => ApplianceBinary.Run(args);

    private static TempDir Box()
    {
        var dir = new TempDir();
        Assert.Equal(0, Run("config", "show", "--data", dir.Path).ExitCode);
        return dir;
    }

    [Fact]
    public void Show_makes_the_ca_and_server_certificate_once()
    {
        using var box = Box();
        var first = Run("cert", "show", "--data", box.Path);
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("created the CA", first.Stderr);
        Assert.Matches(@"subject   CN=.+ VPN CA", first.Stdout);
        Assert.Matches(@"sha256    ([0-9A-F]{2}:){31}[0-9A-F]{2}", first.Stdout);
        var second = Run("cert", "show", "--data", box.Path);
        Assert.Equal(first.Stdout, second.Stdout);
        Assert.Equal("", second.Stderr);
    }

    [Fact]
    public void Issue_writes_a_private_pkcs12_that_openssl_reads_and_ca_exports_what_it_chains_to()
    {
        using var box = Box();
        var issue = ApplianceBinary.RunWithInput("export-pass-9\n", "cert", "issue", "alice", "--out", box.File("alice.p12"),
            "--password-stdin", "--data", box.Path);
        Assert.True(issue.ExitCode == 0, issue.Stderr);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(box.File("alice.p12")));
        Assert.Equal(0, Run("cert", "ca", "--out", box.File("ca.pem"), "--data", box.Path).ExitCode);

        using var leaf = X509CertificateLoader.LoadPkcs12FromFile(box.File("alice.p12"), "export-pass-9");
        Assert.True(leaf.HasPrivateKey);
        using var ca = X509CertificateLoader.LoadCertificateFromFile(box.File("ca.pem"));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf));

        var openssl = Process.Start(new ProcessStartInfo("openssl", ["pkcs12", "-in", box.File("alice.p12"), "-nokeys", "-passin", "pass:export-pass-9"])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        openssl.WaitForExit(30_000);
        Assert.Equal(0, openssl.ExitCode);
        Assert.Contains("alice", Run("cert", "list", "--data", box.Path).Stdout);
    }

    [Fact]
    public void Refusals_exit_2_and_write_nothing()
    {
        using var box = Box();
        var badName = ApplianceBinary.RunWithInput("export-pass-9\n", "cert", "issue", "al ice", "--out", box.File("x.p12"), "--password-stdin", "--data", box.Path);
        Assert.Equal(2, badName.ExitCode);
        Assert.Contains("name:", badName.Stderr);
        var shortPassword = ApplianceBinary.RunWithInput("short\n", "cert", "issue", "bob", "--out", box.File("x.p12"), "--password-stdin", "--data", box.Path);
        Assert.Equal(2, shortPassword.ExitCode);
        Assert.Contains("password:", shortPassword.Stderr);
        Assert.False(File.Exists(box.File("x.p12")));
        Assert.Equal(2, Run("cert", "issue", "bob", "--data", box.Path).ExitCode); // no --out
        string before = Run("cert", "show", "--data", box.Path).Stdout;
        var badServer = Run("cert", "server", "--names", "ok.example,not ok", "--data", box.Path);
        Assert.Equal(2, badServer.ExitCode);
        Assert.Equal(before, Run("cert", "show", "--data", box.Path).Stdout);
        var server = Run("cert", "server", "--names", "vpn.example.org,203.0.113.9", "--data", box.Path);
        Assert.Equal(0, server.ExitCode);
        Assert.Contains("DNS:vpn.example.org, DNS:203.0.113.9, IP:203.0.113.9", server.Stdout);
    }
}
