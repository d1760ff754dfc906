namespace Appliance.Host;

/// <summary>Exit codes scripts can rely on.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Something failed at run time (store unusable, self-test failed, socket error).</summary>
    public const int Failure = 1;
    /// <summary>The command line or a value was refused; nothing was changed.</summary>
    public const int Refused = 2;
    /// <summary>'status': no daemon is running for this data directory.</summary>
    public const int NotRunning = 3;
}
