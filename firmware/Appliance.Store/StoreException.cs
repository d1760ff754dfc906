namespace Appliance.Store;

/// <summary>The store cannot be opened or written; the message names the problem for the admin.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner);
