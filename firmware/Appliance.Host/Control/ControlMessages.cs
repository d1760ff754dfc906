using System.Text.Json.Serialization;
using Appliance.Services.Status;

namespace Appliance.Host.Control;

/// <summary>One request over the control socket: a verb ("status", "reload") and its argument.</summary>
internal sealed record ControlRequest(string Verb, string? Argument = null);

/// <summary>The daemon's answer: ok or an error text, and the status when asked for.</summary>
internal sealed record ControlResponse(bool Ok, string? Error = null, StatusSnapshot? Status = null);

/// <summary>Source-generated JSON for the control protocol: one JSON object per line each way.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
internal sealed partial class ControlJson : JsonSerializerContext;
