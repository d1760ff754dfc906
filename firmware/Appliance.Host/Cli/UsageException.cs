namespace Appliance.Host.Cli;

/// <summary>The command line is wrong; the message says how. Exits with code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
