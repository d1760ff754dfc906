namespace Appliance.Host.Tests;

public class CommandLineTests
{
    private static ApplianceBinary.Result Run(params string[] args) => ApplianceBinary.Run(args);

    [Fact]
    public void Version_names_the_target()
    {
        var r = Run("version");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^appliance \S+ linux-x64\n$", r.Stdout);
    }

    [Fact]
    public void Unknown_commands_and_options_are_refused_with_exit_2()
    {
        Assert.Equal(2, Run("frobnicate").ExitCode);
        var r = Run("config", "show", "--dtaa", "/tmp");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--dtaa", r.Stderr);
    }

    [Fact]
    public void Management_commands_do_not_create_a_mistyped_data_directory()
    {
        using var dir = new TempDir();
        string missing = dir.File("no-such-box");
        var r = Run("config", "show", "--data", missing);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("does not exist", r.Stderr);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void Config_show_masks_the_psk_get_shows_it_and_every_box_has_its_own()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var show = Run("config", "show", "--data", a.Path);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("vpn.psk", show.Stdout);
        Assert.Contains("********", show.Stdout);
        string pskA = Run("config", "get", "vpn.psk", "--data", a.Path).Stdout.Trim();
        string pskB = Run("config", "get", "vpn.psk", "--data", b.Path).Stdout.Trim();
        Assert.Equal(24, pskA.Length);
        Assert.NotEqual(pskA, pskB);
        Assert.DoesNotContain(pskA, show.Stdout);
        Assert.Contains("\"vpn.security\": \"compatible\"", Run("config", "show", "--json", "--data", a.Path).Stdout);
    }

    [Theory]
    [InlineData("lan.address", "192.168.8.300/24")]
    [InlineData("vpn.security", "weak")]
    [InlineData("vpn.pool", "192.168.8.250-192.168.8.100")]
    [InlineData("web.listen", "0.0.0.0:80")]
    [InlineData("vpn.psk", "short")]
    [InlineData("no.such.key", "1")]
    public void A_bad_value_is_refused_naming_the_key_and_nothing_is_written(string key, string value)
    {
        using var dir = new TempDir();
        var before = Run("config", "export", dir.File("before.json"), "--data", dir.Path);
        Assert.Equal(0, before.ExitCode);
        var r = Run("config", "set", key, value, "--data", dir.Path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(key, r.Stderr);
        Assert.Contains("nothing was changed", r.Stderr);
        Run("config", "export", dir.File("after.json"), "--data", dir.Path);
        Assert.Equal(File.ReadAllText(dir.File("before.json")), File.ReadAllText(dir.File("after.json")));
    }

    [Fact]
    public void Set_then_get_and_export_import_round_trip()
    {
        using var dir = new TempDir();
        Assert.Equal(0, Run("config", "set", "vpn.dns", "1.1.1.1,9.9.9.9", "--data", dir.Path).ExitCode);
        Assert.Equal("1.1.1.1,9.9.9.9\n", Run("config", "get", "vpn.dns", "--data", dir.Path).Stdout);
        Assert.Equal(0, Run("config", "export", dir.File("backup.json"), "--data", dir.Path).ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("backup.json")));
        using var other = new TempDir();
        Assert.Equal(0, Run("config", "import", dir.File("backup.json"), "--data", other.Path).ExitCode);
        Assert.Equal(Run("config", "get", "vpn.psk", "--data", dir.Path).Stdout, Run("config", "get", "vpn.psk", "--data", other.Path).Stdout);
        Assert.Equal("1.1.1.1,9.9.9.9\n", Run("config", "get", "vpn.dns", "--data", other.Path).Stdout);
    }

    [Fact]
    public void Import_of_a_file_with_one_bad_key_changes_nothing()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("bad.json"), "{\"vpn.security\": \"modern\", \"lan.interface\": \"a/b\"}");
        var r = Run("config", "import", dir.File("bad.json"), "--data", dir.Path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("lan.interface", r.Stderr);
        Assert.Equal("compatible\n", Run("config", "get", "vpn.security", "--data", dir.Path).Stdout);
    }

    [Fact]
    public void Users_are_added_listed_changed_and_deleted_with_passwords_from_stdin_only()
    {
        using var dir = new TempDir();
        Run("config", "show", "--data", dir.Path);
        var noTty = Run("user", "add", "alice", "--data", dir.Path);
        Assert.Equal(2, noTty.ExitCode);
        Assert.Contains("--password-stdin", noTty.Stderr);
        Assert.Equal(0, ApplianceBinary.RunWithInput("alice-secret-1\n", "user", "add", "alice", "--password-stdin", "--static-address", "192.168.8.77", "--data", dir.Path).ExitCode);
        var dup = ApplianceBinary.RunWithInput("other-secret\n", "user", "add", "Alice", "--password-stdin", "--data", dir.Path);
        Assert.Equal(2, dup.ExitCode);
        Assert.Contains("already exists", dup.Stderr);
        var weak = ApplianceBinary.RunWithInput("short\n", "user", "add", "bob", "--password-stdin", "--data", dir.Path);
        Assert.Equal(2, weak.ExitCode);
        Assert.Contains("password", weak.Stderr);
        var list = Run("user", "list", "--json", "--data", dir.Path);
        Assert.Contains("\"name\": \"alice\"", list.Stdout);
        Assert.Contains("\"staticAddress\": \"192.168.8.77\"", list.Stdout);
        Assert.DoesNotContain("alice-secret-1", list.Stdout);
        Assert.Equal(0, ApplianceBinary.RunWithInput("alice-secret-2\n", "user", "passwd", "alice", "--password-stdin", "--data", dir.Path).ExitCode);
        Assert.Equal(0, Run("user", "disable", "alice", "--data", dir.Path).ExitCode);
        Assert.Contains("no ", Run("user", "list", "--data", dir.Path).Stdout);
        Assert.Equal(0, Run("user", "del", "alice", "--data", dir.Path).ExitCode);
        Assert.Equal(2, Run("user", "del", "alice", "--data", dir.Path).ExitCode);
        Assert.Contains("no users", Run("user", "list", "--data", dir.Path).Stdout);
    }

    [Fact]
    public void Factory_reset_needs_yes_and_makes_a_new_psk()
    {
        using var dir = new TempDir();
        string psk = Run("config", "get", "vpn.psk", "--data", dir.Path).Stdout;
        ApplianceBinary.RunWithInput("alice-secret-1\n", "user", "add", "alice", "--password-stdin", "--data", dir.Path);
        Assert.Equal(2, Run("factory-reset", "--data", dir.Path).ExitCode);
        Assert.Equal(psk, Run("config", "get", "vpn.psk", "--data", dir.Path).Stdout);
        Assert.Equal(0, Run("factory-reset", "--yes", "--data", dir.Path).ExitCode);
        Assert.NotEqual(psk, Run("config", "get", "vpn.psk", "--data", dir.Path).Stdout);
        Assert.Contains("no users", Run("user", "list", "--data", dir.Path).Stdout);
    }

    [Fact]
    public void Self_test_passes_every_check()
    {
        var r = Run("self-test");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.DoesNotContain("FAIL", r.Stdout);
        Assert.Contains("PASS store reopen and read back", r.Stdout);
        Assert.Contains("PASS aes", r.Stdout, StringComparison.OrdinalIgnoreCase);
    }
}
