using Appliance.Services.Logging;
using Microsoft.Extensions.Logging;
using AppLog = Appliance.Services.Logging.Log;
using MsLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Appliance.Web;

/// <summary>Sends ASP.NET Core's own warnings and errors to the appliance's logfmt log, so the web
/// server writes in the same format as everything else.</summary>
internal sealed class LogBridge(AppLog log) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(log, categoryName);
    public void Dispose() { }

    private sealed class Logger(AppLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(MsLogLevel level) => level >= MsLogLevel.Warning;

        public void Log<TState>(MsLogLevel level, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(level)) return;
            var ours = level >= MsLogLevel.Error ? Services.Logging.LogLevel.Error : Services.Logging.LogLevel.Warn;
            log.Write(ours, "web", formatter(state, exception),
                [("category", category), ("error", exception?.GetType().Name)]);
        }
    }
}
