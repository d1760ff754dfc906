using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using Appliance.Services;
using Appliance.Services.Certificates;
using Appliance.Services.Config;
using Appliance.Services.Users;

namespace Appliance.Host.Cli;

/// <summary>
/// 'appliance cert show|list|issue|ca|server': the box's CA, its IKE server certificate and client
/// certificates. The CA and a server certificate are made on first use, like the configuration.
/// </summary>
internal static class CertCommand
{
    public static int Run(string[] args)
    {
        var line = CommandLine.Parse(args, new HashSet<string> { "password-stdin" }, new HashSet<string> { "data", "out", "names" });
        string verb = line.Word(0, "cert command (show, list, issue, ca, server)");
        string dataDir = DataDirectory.Resolve(line.Value("data"));
        if (DataDirectory.Prepare(dataDir, create: false) is { } problem) throw new UsageException(problem);
        using var station = Station.Open(dataDir);
        var config = station.Config.LoadOrInitialize();
        byte[] deviceKey = DeviceKey.LoadOrCreate(dataDir);
        using var sealer = new PrivateKeySealer(deviceKey);
        CryptographicOperations.ZeroMemory(deviceKey);
        var authority = new CertificateAuthority(station.Store, sealer, TimeProvider.System);
        var done = authority.EnsureCreated(HostName() ?? "Home", DefaultServerNames(config));
        bool changed = done.Count > 0;
        foreach (string what in done) Console.Error.WriteLine($"appliance: {what}");
        switch (verb)
        {
            case "show":
                line.NoMoreWordsAfter(1);
                Show("CA", authority.DescribeCa());
                Show("server certificate", authority.DescribeServer());
                Console.WriteLine($"client certificates issued: {authority.Issued().Count}");
                break;
            case "list":
                line.NoMoreWordsAfter(1);
                List(authority);
                break;
            case "issue":
            {
                line.NoMoreWordsAfter(2);
                string name = line.Word(1, "NAME");
                string file = line.Value("out") ?? throw new UsageException("issue needs --out FILE.p12");
                if (ClientIdentity.TryParse(name, out _) is { } n) return Refused($"name: {n}");
                string password = PasswordInput.Read(line.Has("password-stdin"), $"password for {Path.GetFileName(file)}");
                if (authority.IssueClient(name, password, out byte[] p12, out var info) is { } refusal) return Refused(refusal);
                // 0600: the file holds the client's private key (protected only by the password).
                if (Write(file, p12, UnixFileMode.UserRead | UnixFileMode.UserWrite) is { } failed) return failed;
                Console.WriteLine($"issued a certificate for {name} (serial {info!.SerialHex}, valid until {info.NotAfterUtc:yyyy-MM-dd}) to {file}");
                break;
            }
            case "ca":
            {
                line.NoMoreWordsAfter(1);
                string file = line.Value("out") ?? throw new UsageException("ca needs --out FILE.pem");
                if (Write(file, System.Text.Encoding.ASCII.GetBytes(authority.CaPem()),
                        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead) is { } failed) return failed;
                Console.WriteLine($"wrote the CA certificate to {file} (SHA-256 {authority.DescribeCa().Sha256Fingerprint})");
                break;
            }
            case "server":
            {
                line.NoMoreWordsAfter(1);
                string names = line.Value("names") ?? throw new UsageException("server needs --names NAME[,NAME...] (host names or addresses clients type)");
                if (authority.ReissueServer(names.Split(',')) is { } refusal) return Refused(refusal);
                Show("server certificate", authority.DescribeServer());
                changed = true;
                break;
            }
            default:
                throw new UsageException($"unknown cert command '{verb}'");
        }
        // A new or renewed server certificate is taken up by the daemon on reload.
        if (changed) ConfigCommand.NotifyDaemon(dataDir);
        return ExitCodes.Ok;
    }

    private static int Refused(string refusal)
    {
        Console.Error.WriteLine($"appliance: refused: {refusal}");
        return ExitCodes.Refused;
    }

    private static int? Write(string file, byte[] content, UnixFileMode mode)
    {
        try { AtomicFile.Write(file, content, mode); return null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"appliance: cannot write {file}: {e.Message}");
            return ExitCodes.Failure;
        }
        finally { CryptographicOperations.ZeroMemory(content); }
    }

    private static void Show(string title, CertificateInfo info)
    {
        Console.WriteLine(title);
        Console.WriteLine($"  subject   {info.Subject}");
        if (info.SubjectAltNames.Count > 0) Console.WriteLine($"  names     {string.Join(", ", info.SubjectAltNames)}");
        Console.WriteLine($"  valid     {info.NotBeforeUtc:yyyy-MM-dd HH:mm}Z to {info.NotAfterUtc:yyyy-MM-dd HH:mm}Z");
        Console.WriteLine($"  serial    {info.SerialHex}");
        Console.WriteLine($"  sha256    {info.Sha256Fingerprint}");
    }

    private static void List(CertificateAuthority authority)
    {
        var issued = authority.Issued();
        if (issued.Count == 0) { Console.WriteLine("no client certificates issued"); return; }
        int width = Math.Max(4, issued.Max(c => c.Name.Length));
        Console.WriteLine($"{"NAME".PadRight(width)}  ISSUED             VALID-UNTIL  SERIAL");
        foreach (var c in issued)
            Console.WriteLine($"{c.Name.PadRight(width)}  {c.IssuedUtc:yyyy-MM-dd HH:mm}Z  {CertificateInfo.Of(c.CertificateDer).NotAfterUtc:yyyy-MM-dd}   {c.SerialHex}");
    }

    /// <summary>The box's host name, when it is usable as a DNS name.</summary>
    internal static string? HostName()
    {
        try
        {
            string name = Dns.GetHostName();
            return ServerName.TryParse(name, out _) is null ? name : null;
        }
        catch (SocketException) { return null; }
    }

    /// <summary>Names for a first server certificate: the host name and the WAN interface's IPv4
    /// address, when there are such. What clients really type (a DynDNS name, the router's public
    /// address) only the admin knows: 'cert server --names' sets it.</summary>
    internal static List<string> DefaultServerNames(ApplianceConfig config)
    {
        var names = new List<string>();
        if (HostName() is { } host) names.Add(host);
        try
        {
            var wan = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == config.WanInterface);
            var address = wan?.GetIPProperties().UnicastAddresses
                .Select(u => u.Address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
            if (address is not null) names.Add(address.ToString());
        }
        catch (NetworkInformationException) { }
        if (names.Count == 0) names.Add("vpn");
        return names;
    }
}
