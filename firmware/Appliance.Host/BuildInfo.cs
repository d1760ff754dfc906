using System.Reflection;
using System.Runtime.InteropServices;

namespace Appliance.Host;

/// <summary>The firmware's version as stamped at build time (version+commit) and its target.</summary>
internal static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static string Target { get; } = "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
}
