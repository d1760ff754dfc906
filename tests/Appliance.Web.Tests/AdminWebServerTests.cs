using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Appliance.Services.Admin;
using Appliance.Services.Logging;
using Appliance.Services.Status;
using Appliance.Store;

namespace Appliance.Web.Tests;

/// <summary>The real web server on a loopback port, with a real store behind it.</summary>
public sealed class AdminWebServerTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("web-test-").FullName;
    private ApplianceStore _store = null!;
    private AdminWebServer _server = null!;
    private HttpClient _client = null!;
    private readonly StringWriter _log = new();

    public async Task InitializeAsync()
    {
        _store = ApplianceStore.Open(_dir);
        int port = FreePort();
        var status = new StatusSnapshot("1.2.3", "linux-x64", DateTimeOffset.UnixEpoch, 5, "userspace", ["no esp4"], [],
            true, "6.1.0", 1, 7, [], new VpnStatus(0, 0, 0, 0, 0, 0, new Dictionary<string, long>()));
        _server = await AdminWebServer.StartAsync(new AdminWebOptions([new IPEndPoint(IPAddress.Loopback, port)],
            new AdminCredentials(_store, TimeProvider.System), () => status, new Log(_log, TimeProvider.System),
            TimeProvider.System), CancellationToken.None);
        _client = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        _store.Dispose();
        Directory.Delete(_dir, true);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private Task<HttpResponseMessage> Post(string path, string json) =>
        _client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task First_boot_sets_the_password_once_then_login_is_required()
    {
        Assert.Contains("\"needsSetup\":true", await _client.GetStringAsync("/api/setup"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.GetAsync("/api/status")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("/api/setup", "{\"password\":\"short\"}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Post("/api/setup", "{\"password\":\"first-password\"}")).StatusCode);
        // Logged in by setup.
        var status = await _client.GetStringAsync("/api/status");
        Assert.Contains("\"datapath\":\"userspace\"", status);
        Assert.Contains("\"version\":\"1.2.3\"", status);
        // A second setup cannot replace the password.
        Assert.Equal(HttpStatusCode.Conflict, (await Post("/api/setup", "{\"password\":\"second-password\"}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Post("/api/logout", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.GetAsync("/api/status")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post("/api/login", "{\"password\":\"second-password\"}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Post("/api/login", "{\"password\":\"first-password\"}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/status")).StatusCode);
        Assert.DoesNotContain("first-password", _log.ToString());
    }

    [Fact]
    public async Task Malformed_requests_get_clear_errors()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("/api/setup", "{\"password\":")).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType,
            (await _client.PostAsync("/api/setup", new StringContent("password=x", Encoding.UTF8, "application/x-www-form-urlencoded"))).StatusCode);
        var big = await Post("/api/setup", "{\"password\":\"" + new string('a', 40_000) + "\"}");
        Assert.True(big.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/no/such/file")).StatusCode);
    }

    [Fact]
    public async Task Repeated_wrong_passwords_are_throttled()
    {
        await Post("/api/setup", "{\"password\":\"first-password\"}");
        await Post("/api/logout", "{}");
        for (int i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await Post("/api/login", "{\"password\":\"guess-number-" + i + "\"}")).StatusCode);
        var blocked = await Post("/api/login", "{\"password\":\"first-password\"}");
        Assert.Equal((HttpStatusCode)429, blocked.StatusCode);
        Assert.NotNull(blocked.Headers.RetryAfter);
    }

    [Fact]
    public async Task The_page_is_served_from_embedded_assets_with_security_headers()
    {
        var page = await _client.GetAsync("/");
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("VPN box", await page.Content.ReadAsStringAsync());
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        var etag = page.Headers.ETag!;
        var again = new HttpRequestMessage(HttpMethod.Get, "/app.js");
        var js = await _client.GetAsync("/app.js");
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
        again.Headers.IfNoneMatch.Add(js.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(again)).StatusCode);
        Assert.NotNull(etag);
    }
}
