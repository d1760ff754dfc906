using System.Net;
using Appliance.Web.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Web.Tests;

public class AuthTests
{
    [Fact]
    public void Sessions_expire_when_idle_and_end_when_the_password_changes()
    {
        var time = new FakeTimeProvider();
        var sessions = new LoginSessions(time);
        byte[] identity = [1, 2, 3];
        string token = sessions.Open(identity);
        Assert.True(sessions.Validate(token, identity));
        time.Advance(LoginSessions.IdleTimeout - TimeSpan.FromSeconds(1));
        Assert.True(sessions.Validate(token, identity)); // use extends it
        time.Advance(LoginSessions.IdleTimeout - TimeSpan.FromSeconds(1));
        Assert.True(sessions.Validate(token, identity));
        Assert.False(sessions.Validate(token, [9, 9, 9])); // password changed: session gone
        Assert.False(sessions.Validate(token, identity));
        string other = sessions.Open(identity);
        time.Advance(LoginSessions.IdleTimeout);
        Assert.False(sessions.Validate(other, identity));
        Assert.False(sessions.Validate(null, identity));
        Assert.False(sessions.Validate(new string('a', 5000), identity));
    }

    [Fact]
    public void Logout_ends_the_session()
    {
        var sessions = new LoginSessions(new FakeTimeProvider());
        string token = sessions.Open([1]);
        sessions.Close(token);
        Assert.False(sessions.Validate(token, [1]));
    }

    [Fact]
    public void Throttle_blocks_a_source_after_the_free_attempts_until_the_window_passes()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(time);
        var eve = IPAddress.Parse("192.168.8.66");
        var admin = IPAddress.Parse("192.168.8.10");
        for (int i = 0; i < LoginThrottle.FreeAttempts; i++)
        {
            Assert.Equal(0, throttle.RetryAfterSeconds(eve));
            throttle.Failed(eve);
        }
        Assert.InRange(throttle.RetryAfterSeconds(eve), 1, (int)LoginThrottle.Window.TotalSeconds);
        Assert.Equal(0, throttle.RetryAfterSeconds(admin));
        time.Advance(LoginThrottle.Window);
        Assert.Equal(0, throttle.RetryAfterSeconds(eve));
    }
}
