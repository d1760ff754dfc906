using System.Net;

namespace Appliance.Protocols.Ppp;

/// <summary>Settings of one PPP server session.</summary>
public sealed record PppSessionOptions
{
    /// <summary>Our own address, sent as IP-Address in our IPCP Configure-Request.</summary>
    public required IPAddress LocalAddress { get; init; }

    /// <summary>DNS servers handed out on request (IPCP options 129/131); null rejects the option.</summary>
    public IPAddress? Dns1 { get; init; }
    public IPAddress? Dns2 { get; init; }

    /// <summary>NBNS (WINS) servers (IPCP options 130/132); null rejects the option.</summary>
    public IPAddress? Wins1 { get; init; }
    public IPAddress? Wins2 { get; init; }

    /// <summary>Offer PAP after CHAP-MD5 when the peer refuses the CHAPs: the password then crosses the link in clear.</summary>
    public bool AllowPap { get; init; }

    /// <summary>Our name in CHAP Challenges.</summary>
    public string ServerName { get; init; } = "appliance";

    /// <summary>Time between LCP Echo-Requests once LCP is Opened; zero turns keepalive off.</summary>
    public TimeSpan EchoInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Unanswered Echo-Requests after which the peer is declared dead.</summary>
    public int EchoFailures { get; init; } = 4;

    /// <summary>Time from LCP Opened within which the peer must authenticate.</summary>
    public TimeSpan AuthenticationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The MRU we ask for (not asked when it is the default 1500) and offer in a Nak.</summary>
    public int Mru { get; init; } = 1400;

    /// <summary>The peer MRUs we accept; outside we Nak with <see cref="Mru"/>.</summary>
    public int MinMru { get; init; } = 1270;
    public int MaxMru { get; init; } = 1500;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(LocalAddress);
        if (LocalAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new ArgumentException("LocalAddress must be IPv4.", nameof(LocalAddress));
        foreach (var server in new[] { Dns1, Dns2, Wins1, Wins2 })
            if (server is not null && server.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
                throw new ArgumentException("DNS and WINS servers must be IPv4.");
        if (MinMru < 128 || MinMru > MaxMru || MaxMru > ushort.MaxValue || Mru < MinMru || Mru > MaxMru)
            throw new ArgumentException("Need 128 <= MinMru <= Mru <= MaxMru <= 65535.");
        if (EchoFailures < 1) throw new ArgumentException("EchoFailures must be at least 1.");
        if (EchoInterval < TimeSpan.Zero || AuthenticationTimeout <= TimeSpan.Zero)
            throw new ArgumentException("Intervals must not be negative.");
        if (string.IsNullOrEmpty(ServerName) || System.Text.Encoding.UTF8.GetByteCount(ServerName) > 200)
            throw new ArgumentException("ServerName must be 1 to 200 bytes.");
    }
}
