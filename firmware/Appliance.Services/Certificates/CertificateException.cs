namespace Appliance.Services.Certificates;

/// <summary>The box's certificates cannot be made or used; the message says why, for the admin.</summary>
public sealed class CertificateException(string message, Exception? inner = null) : Exception(message, inner);
