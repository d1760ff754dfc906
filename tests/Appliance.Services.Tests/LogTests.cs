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
}
