using System.Net;
using Appliance.Services.Admin;
using Appliance.Services.Logging;
using Appliance.Services.Status;
using Appliance.Web.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Appliance.Web.Api;

/// <summary>
/// The admin page's JSON API. First boot has no password: the only thing a visitor can do is set
/// one (POST /api/setup), which also logs them in. Afterwards everything but health, setup state
/// and login requires the session cookie.
/// </summary>
internal sealed class AdminApi(AdminCredentials admin, LoginSessions sessions, LoginThrottle throttle,
    Func<StatusSnapshot> status, Log log)
{
    public const string SessionCookie = "appliance_session";

    public void Map(IEndpointRouteBuilder app)
    {
        // Plain RequestDelegates: no reflection-based parameter binding, so nothing for the AOT
        // compiler to warn about; bodies are read by HttpJson with source-generated metadata.
        app.MapGet("/api/health", c => HttpJson.WriteAsync(c, 200, new Health(true), WebJson.Default.Health));
        app.MapGet("/api/setup", c => HttpJson.WriteAsync(c, 200, new SetupState(!admin.IsSet), WebJson.Default.SetupState));
        app.MapPost("/api/setup", (RequestDelegate)SetupAsync);
        app.MapPost("/api/login", (RequestDelegate)LoginAsync);
        app.MapPost("/api/logout", (RequestDelegate)Logout);
        app.MapGet("/api/status", c => Authorized(c)
            ? HttpJson.WriteAsync(c, 200, status(), WebJson.Default.StatusSnapshot)
            : Unauthorized(c));
    }

    private async Task SetupAsync(HttpContext c)
    {
        var request = await HttpJson.ReadAsync(c, WebJson.Default.PasswordRequest);
        if (request is null) return;
        if (AdminCredentials.CheckStrength(request.Password ?? "") is { } reason)
        {
            await HttpJson.WriteAsync(c, 400, new ApiError($"password {reason}", "password"), WebJson.Default.ApiError);
            return;
        }
        if (!admin.TrySetInitial(request.Password!))
        {
            await HttpJson.WriteAsync(c, 409, new ApiError("the admin password is already set; log in instead"), WebJson.Default.ApiError);
            return;
        }
        log.Info("web", "admin password set at first boot", ("source", Source(c)));
        OpenSession(c, admin.CurrentIdentity()!);
        c.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task LoginAsync(HttpContext c)
    {
        var source = Source(c);
        int wait = throttle.RetryAfterSeconds(source);
        if (wait > 0)
        {
            c.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await HttpJson.WriteAsync(c, 429, new ApiError($"too many failed logins; try again in {wait} s"), WebJson.Default.ApiError);
            return;
        }
        var request = await HttpJson.ReadAsync(c, WebJson.Default.PasswordRequest);
        if (request is null) return;
        if (!admin.IsSet)
        {
            await HttpJson.WriteAsync(c, 409, new ApiError("no admin password is set yet; complete setup first"), WebJson.Default.ApiError);
            return;
        }
        var identity = request.Password is { Length: > 0 and <= AdminCredentials.MaximumLength } password
            ? admin.Verify(password) : null;
        if (identity is null)
        {
            throttle.Failed(source);
            log.Warn("web", "admin login failed", ("source", source));
            await HttpJson.WriteAsync(c, 401, new ApiError("wrong password", "password"), WebJson.Default.ApiError);
            return;
        }
        throttle.Succeeded(source);
        log.Info("web", "admin logged in", ("source", source));
        OpenSession(c, identity);
        c.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private Task Logout(HttpContext c)
    {
        sessions.Close(c.Request.Cookies[SessionCookie]);
        c.Response.Cookies.Delete(SessionCookie);
        log.Info("web", "admin logged out", ("source", Source(c)));
        c.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private bool Authorized(HttpContext c) => sessions.Validate(c.Request.Cookies[SessionCookie], admin.CurrentIdentity());

    private static Task Unauthorized(HttpContext c) =>
        HttpJson.WriteAsync(c, 401, new ApiError("log in first"), WebJson.Default.ApiError);

    private void OpenSession(HttpContext c, byte[] identity)
    {
        // HttpOnly keeps scripts from reading it; SameSite=Strict keeps other sites from using it.
        // Not Secure: the LAN page is plain HTTP until the box has a certificate for it.
        c.Response.Cookies.Append(SessionCookie, sessions.Open(identity), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            IsEssential = true,
        });
    }

    private static IPAddress Source(HttpContext c) => c.Connection.RemoteIpAddress ?? IPAddress.None;
}
