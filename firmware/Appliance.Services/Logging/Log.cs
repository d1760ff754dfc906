using System.Globalization;
using System.Text;

namespace Appliance.Services.Logging;

/// <summary>
/// Structured log lines in logfmt (<c>level=info component=store msg="opened" schema=1</c>) on
/// standard output, one line per event, which journald stores as is and tools can parse.
/// Callers pass fields, never preformatted text, so a secret can only reach a line if a caller
/// names it as a field: the rule is that no caller ever does.
/// </summary>
public sealed class Log(TextWriter output, TimeProvider time, LogLevel minimum = LogLevel.Info, LogRateLimiter? limiter = null)
{
    private readonly object _gate = new();
    private readonly LogRateLimiter _limiter = limiter ?? new LogRateLimiter();

    /// <summary>Lines held back by the rate limit since start.</summary>
    public long Suppressed { get { lock (_gate) return _limiter.TotalSuppressed; } }

    public LogLevel Minimum { get; } = minimum;

    public void Debug(string component, string message, params (string Key, object? Value)[] fields) =>
        Write(LogLevel.Debug, component, message, fields);
    public void Info(string component, string message, params (string Key, object? Value)[] fields) =>
        Write(LogLevel.Info, component, message, fields);
    public void Warn(string component, string message, params (string Key, object? Value)[] fields) =>
        Write(LogLevel.Warn, component, message, fields);
    public void Error(string component, string message, params (string Key, object? Value)[] fields) =>
        Write(LogLevel.Error, component, message, fields);

    public void Write(LogLevel level, string component, string message, (string Key, object? Value)[] fields)
    {
        if (level < Minimum) return;
        var now = time.GetUtcNow();
        long suppressed;
        lock (_gate)
            if (!_limiter.TryTake(component, message, now, out suppressed)) return;
        var line = new StringBuilder(128);
        line.Append("ts=").Append(now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        line.Append(" level=").Append(level switch
        {
            LogLevel.Debug => "debug",
            LogLevel.Info => "info",
            LogLevel.Warn => "warn",
            _ => "error",
        });
        line.Append(" component=").Append(component);
        line.Append(" msg=");
        AppendValue(line, message);
        foreach (var (key, value) in fields)
        {
            line.Append(' ').Append(key).Append('=');
            AppendValue(line, value switch
            {
                null => "",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            });
        }
        if (suppressed > 0)
            line.Append(" suppressed=").Append(suppressed.ToString(CultureInfo.InvariantCulture));
        lock (_gate)
        {
            output.WriteLine(line.ToString());
            output.Flush();
        }
    }

    /// <summary>Quotes values with spaces, quotes or '=' and escapes control characters, so that
    /// a peer-supplied string (a user name, a host name) cannot forge a second log line.</summary>
    internal static void AppendValue(StringBuilder line, string value)
    {
        bool quote = value.Length == 0;
        foreach (char c in value)
            if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) { quote = true; break; }
        if (!quote) { line.Append(value); return; }
        line.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': line.Append("\\\""); break;
                case '\\': line.Append("\\\\"); break;
                case '\n': line.Append("\\n"); break;
                case '\r': line.Append("\\r"); break;
                case '\t': line.Append("\\t"); break;
                default:
                    if (c < ' ' || c == 0x7f) line.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else line.Append(c);
                    break;
            }
        }
        line.Append('"');
    }
}
