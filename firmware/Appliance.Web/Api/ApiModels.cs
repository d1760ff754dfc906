namespace Appliance.Web.Api;

public sealed record PasswordRequest(string? Password);
public sealed record SetupState(bool NeedsSetup);
public sealed record ApiError(string Error, string? Field = null);
public sealed record Health(bool Ok);
