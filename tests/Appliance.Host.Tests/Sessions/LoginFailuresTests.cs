using Appliance.Host.Daemon.Sessions;

namespace Appliance.Host.Tests.Sessions;

public class LoginFailuresTests
{
    [Fact]
    public void Counts_per_user_whatever_the_case_and_per_source()
    {
        var f = new LoginFailures();
        Assert.Equal((1L, 1L), f.Add("alice", "203.0.113.2"));
        Assert.Equal((2L, 1L), f.Add("ALICE", "198.51.100.7"));
        Assert.Equal((1L, 2L), f.Add("bob", "203.0.113.2"));
        Assert.Equal(3, f.Total);
        Assert.Equal(2, f.ByUser["alice"]);
        Assert.Equal(2, f.BySource["203.0.113.2"]);
    }

    [Fact]
    public void A_guesser_with_endless_names_cannot_grow_the_tables_and_repeat_offenders_stay()
    {
        var f = new LoginFailures();
        for (int i = 0; i < 5; i++) f.Add("admin", "192.0.2.1");
        for (int i = 0; i < 10 * LoginFailures.MaxEntries; i++) f.Add($"guess{i}", $"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}");
        Assert.Equal(LoginFailures.MaxEntries, f.ByUser.Count);
        Assert.Equal(LoginFailures.MaxEntries, f.BySource.Count);
        Assert.Equal(5, f.ByUser["admin"]);
        Assert.Equal(5, f.BySource["192.0.2.1"]);
        Assert.Equal(5 + 10 * LoginFailures.MaxEntries, f.Total);
    }
}
