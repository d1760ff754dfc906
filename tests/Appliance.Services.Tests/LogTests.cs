using Appliance.Services.Logging;

namespace Appliance.Services.Tests;

public class LogTests
{
    [Fact]
    public void Lines_are_logfmt_and_peer_strings_cannot_forge_a_second_line()
    {
        var output = new StringWriter();
        var log = new Log(output, TimeProvider.System);
        log.Info("ppp", "login failed", ("user", "eve\nlevel=info msg=\"admin ok\""), ("count", 3));
        string text = output.ToString();
        Assert.Single(text.TrimEnd('\n').Split('\n'));
        Assert.Contains("level=info component=ppp msg=\"login failed\"", text);
        Assert.Contains("user=\"eve\\nlevel=info msg=\\\"admin ok\\\"\"", text);
        Assert.Contains(" count=3", text);
    }

    [Fact]
    public void Lines_below_the_minimum_are_dropped()
    {
        var output = new StringWriter();
        new Log(output, TimeProvider.System, LogLevel.Warn).Info("x", "quiet");
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public void A_flood_of_one_kind_is_held_back_after_a_burst_and_the_next_line_counts_what_was_dropped()
    {
        var output = new StringWriter();
        var clock = new ManualClock();
        var log = new Log(output, clock, LogLevel.Info, new LogRateLimiter(burst: 5, perSecond: 1));
        for (int i = 0; i < 100; i++) log.Warn("ike", "pre-shared key mismatch", ("peer", $"198.51.100.{i}"));
        log.Info("ike", "IKE SA established"); // another kind is not affected
        var lines = output.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Count(l => l.Contains("mismatch")));
        Assert.Single(lines, l => l.Contains("established"));
        Assert.Equal(95, log.Suppressed);

        clock.Advance(TimeSpan.FromSeconds(2));
        log.Warn("ike", "pre-shared key mismatch", ("peer", "198.51.100.200"));
        var last = output.ToString().TrimEnd('\n').Split('\n').Last();
        Assert.Contains("peer=198.51.100.200", last);
        Assert.EndsWith(" suppressed=95", last);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }
}
