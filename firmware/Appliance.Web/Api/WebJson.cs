using System.Text.Json.Serialization;
using Appliance.Services.Status;

namespace Appliance.Web.Api;

/// <summary>Source-generated JSON for every type the web API reads or writes.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PasswordRequest))]
[JsonSerializable(typeof(SetupState))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(Health))]
[JsonSerializable(typeof(StatusSnapshot))]
internal sealed partial class WebJson : JsonSerializerContext;
