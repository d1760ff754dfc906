using System.Text.Json.Serialization;

namespace Appliance.Services.Status;

/// <summary>Source-generated JSON for the status snapshot (no reflection under NativeAOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(StatusSnapshot))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, long>))]
public sealed partial class StatusJson : JsonSerializerContext;
