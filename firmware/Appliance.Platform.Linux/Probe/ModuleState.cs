namespace Appliance.Platform.Linux.Probe;

/// <summary>Whether a kernel feature can be used: built in or loaded now, or loadable on demand.</summary>
public enum ModuleState { Absent, Loadable, Loaded, Builtin }
