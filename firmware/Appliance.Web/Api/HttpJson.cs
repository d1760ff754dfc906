using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Appliance.Web.Api;

/// <summary>Reads and writes JSON bodies with source-generated metadata and a hard size limit, so a
/// malformed or oversized request gets a clear 400 instead of an exception.</summary>
internal static class HttpJson
{
    public const int MaxBodyBytes = 16 * 1024;

    public static async Task<T?> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type) where T : class
    {
        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            // Requiring JSON also keeps plain HTML forms on other sites from posting here.
            await WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, new ApiError("expected application/json"), WebJson.Default.ApiError);
            return null;
        }
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, new ApiError("request too large"), WebJson.Default.ApiError);
            return null;
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted);
            if (value is null) await WriteAsync(context, 400, new ApiError("empty request"), WebJson.Default.ApiError);
            return value;
        }
        catch (JsonException)
        {
            await WriteAsync(context, 400, new ApiError("malformed JSON"), WebJson.Default.ApiError);
            return null;
        }
    }

    public static Task WriteAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted);
    }
}
