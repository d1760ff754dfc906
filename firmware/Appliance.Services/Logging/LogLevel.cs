namespace Appliance.Services.Logging;

public enum LogLevel { Debug, Info, Warn, Error }
