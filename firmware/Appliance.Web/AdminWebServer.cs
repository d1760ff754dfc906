using System.Net;
using Appliance.Services.Admin;
using Appliance.Services.Logging;
using Appliance.Services.Status;
using Appliance.Web.Api;
using Appliance.Web.Assets;
using Appliance.Web.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Appliance.Web;

/// <summary>What the web admin needs from the daemon.</summary>
public sealed record AdminWebOptions(
    IReadOnlyList<IPEndPoint> Endpoints,
    AdminCredentials Admin,
    Func<StatusSnapshot> Status,
    Log Log,
    TimeProvider Time);

/// <summary>
/// The web admin inside the daemon. It listens only on the endpoints it is given, which the
/// daemon derives from web.listen: the LAN address and loopback, never the WAN.
/// </summary>
public sealed class AdminWebServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AdminWebServer(WebApplication app, IReadOnlyList<string> listening)
    {
        _app = app;
        Listening = listening;
    }

    public IReadOnlyList<string> Listening { get; }

    public static async Task<AdminWebServer> StartAsync(AdminWebOptions options, CancellationToken cancel)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new LogBridge(options.Log));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = HttpJson.MaxBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxConcurrentConnections = 64;
            foreach (var endpoint in options.Endpoints) kestrel.Listen(endpoint);
        });
        builder.Services.AddSingleton(options.Time);

        var app = builder.Build();
        app.Use(SecurityHeaders);
        var assets = new EmbeddedAssets();
        new AdminApi(options.Admin, new LoginSessions(options.Time), new LoginThrottle(options.Time),
            options.Status, options.Log).Map(app);
        app.MapGet("/{**path}", c => ServeAsset(c, assets));

        await app.StartAsync(cancel);
        return new AdminWebServer(app, options.Endpoints.Select(e => $"http://{e}/").ToList());
    }

    private static Task SecurityHeaders(HttpContext c, Func<Task> next)
    {
        var h = c.Response.Headers;
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        h["Referrer-Policy"] = "no-referrer";
        return next();
    }

    private static Task ServeAsset(HttpContext c, EmbeddedAssets assets)
    {
        var asset = assets.Find(c.Request.Path.Value ?? "/");
        if (asset is null)
        {
            c.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        c.Response.Headers.ETag = asset.ETag;
        c.Response.Headers.CacheControl = "no-cache";
        if (c.Request.Headers.IfNoneMatch == asset.ETag)
        {
            c.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        c.Response.ContentType = asset.ContentType;
        c.Response.ContentLength = asset.Content.Length;
        return c.Response.Body.WriteAsync(asset.Content, c.RequestAborted).AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
