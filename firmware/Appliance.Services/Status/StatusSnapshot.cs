namespace Appliance.Services.Status;

/// <summary>What 'appliance status' and the web status page show about the running daemon.</summary>
public sealed record StatusSnapshot(
    string Version,
    string Architecture,
    DateTimeOffset StartedUtc,
    long UptimeSeconds,
    string Datapath,
    IReadOnlyList<string> DatapathReasons,
    IReadOnlyList<CryptoDriverStatus> CryptoDrivers,
    bool CpuAesInstructions,
    string KernelRelease,
    int StoreSchemaVersion,
    long ConfigGeneration,
    IReadOnlyList<string> WebListening,
    VpnStatus Vpn);

/// <summary>The VPN layer's counters: IKE SAs (all, and established), ESP SA pairs, ESP packets
/// received and decrypted, L2TP datagrams that arrived through an SA, and what was dropped, by
/// reason.</summary>
public sealed record VpnStatus(int IkeSas, int EstablishedIkeSas, int EspSaPairs, long EspPacketsReceived,
    long EspPacketsDecrypted, long L2tpDatagramsThroughEsp, IReadOnlyDictionary<string, long> Drops,
    int L2tpTunnels = 0, long PppLogins = 0, long PppLoginFailures = 0, IReadOnlyList<VpnSessionStatus>? Sessions = null,
    IReadOnlyDictionary<string, long>? LoginFailuresByUser = null, IReadOnlyDictionary<string, long>? LoginFailuresBySource = null);

/// <summary>One connected client: who, from where, with which inner address, how much traffic.</summary>
public sealed record VpnSessionStatus(long Id, string? User, string OuterAddress, int OuterPort, string? InnerAddress,
    string ClientKind, string Phase, long BytesIn, long BytesOut, long DurationSeconds, string Datapath = "process");

/// <summary>One ESP algorithm and the kernel driver that would serve it.</summary>
public sealed record CryptoDriverStatus(string Algorithm, string Driver, string Acceleration, string Note);
