namespace Appliance.Protocols.Crypto;

/// <summary>The outcome of one known-answer or consistency check run by <c>appliance self-test</c>.</summary>
public readonly record struct SelfTestResult(string Name, bool Passed, string? Detail = null);
