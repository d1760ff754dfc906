using System.Text;
using System.Text.Json;

namespace Appliance.Services.Config;

/// <summary>
/// The export/import file: a flat JSON object of key to string value, written with mode 0600
/// because it holds the PSK. Written to a temporary file, flushed to disk, then renamed over the
/// target, so an interrupted export never leaves a half-written file.
/// </summary>
public static class ConfigFile
{
    public const int MaxBytes = 64 * 1024;

    public static void Write(string path, IReadOnlyDictionary<string, string> values)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            foreach (var key in ConfigSchema.Keys)
                if (values.TryGetValue(key.Name, out var value)) json.WriteString(key.Name, value);
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        AtomicFile.Write(path, buffer.GetBuffer().AsSpan(0, (int)buffer.Length), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>Reads an import file; on failure returns null and the reason.</summary>
    public static Dictionary<string, string>? Read(string path, out string? error)
    {
        error = null;
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) { error = $"{path}: no such file"; return null; }
            if (info.Length > MaxBytes) { error = $"{path}: larger than {MaxBytes} bytes, not a configuration file"; return null; }
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: {e.Message}";
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) { error = $"{path}: expected a JSON object of key: value"; return null; }
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Value.ValueKind != JsonValueKind.String) { error = $"{prop.Name}: value must be a string"; return null; }
                if (!values.TryAdd(prop.Name, prop.Value.GetString()!)) { error = $"{prop.Name}: appears twice"; return null; }
            }
            return values;
        }
        catch (JsonException e)
        {
            error = $"{path}: not valid JSON ({e.Message})";
            return null;
        }
        catch (DecoderFallbackException)
        {
            error = $"{path}: not valid UTF-8";
            return null;
        }
    }
}
