using System.Diagnostics;
using System.Globalization;
using Appliance.Protocols.Crypto;

// Usage: dotnet run -c Release --project tests/bench/Appliance.Bench.Dh [SECONDS] [ROUNDS]
// One thread. An "exchange" is what an IKE responder does per handshake: generate a fresh key pair
// and derive the shared secret from the peer's KE value (its public value is computed as part of
// key generation). "derive" is the agreement alone with a fixed key pair, which is what
// 'openssl speed ffdhNNNN' measures (OpenSSL uses the RFC 7919 ffdhe2048 group there, with its
// default 224-bit exponent; ours is RFC 3526 MODP-2048 with a 320-bit exponent). Rates are
// wall-clock, best of ROUNDS, measurements alternating so load changes hit all of them.
double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;

Console.WriteLine($"Diffie-Hellman, one thread, {seconds:F0} s per measurement, {rounds} rounds ({Environment.ProcessorCount} CPUs, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, libcrypto available: {LibcryptoModpDiffieHellman.IsAvailable})");

ModpGroup modp = ModpGroup.Modp2048;
using var modpPeer = new ModpDiffieHellman(modp, SystemRandomSource.Instance);
byte[] modpPeerValue = modpPeer.PublicValue.ToArray();
using var ecpPeer = new EcpDiffieHellman(19, SystemRandomSource.Instance);
byte[] ecpPeerValue = ecpPeer.PublicValue.ToArray();

var cases = new List<(string Name, Func<IDiffieHellman> Create, byte[] Peer)>
{
    ("BouncyCastle MODP-2048", () => new ModpDiffieHellman(modp, SystemRandomSource.Instance), modpPeerValue),
};
if (LibcryptoModpDiffieHellman.IsAvailable)
{
    cases.Add(("libcrypto MODP-2048", () => new LibcryptoModpDiffieHellman(modp), modpPeerValue));
}

cases.Add(("libcrypto ECP-256", () => new EcpDiffieHellman(19, SystemRandomSource.Instance), ecpPeerValue));

var best = new Dictionary<string, double>();
void Keep(string key, double? value)
{
    if (value is { } v)
    {
        best[key] = Math.Max(v, best.GetValueOrDefault(key));
    }
}

for (int round = 1; round <= rounds; round++)
{
    Console.WriteLine($"round {round}:");
    foreach ((string name, Func<IDiffieHellman> create, byte[] peer) in cases)
    {
        double exchange = Rate(() =>
        {
            using IDiffieHellman dh = create();
            _ = dh.DeriveSharedSecret(peer);
        });
        using IDiffieHellman fixedKey = create();
        double derive = Rate(() => _ = fixedKey.DeriveSharedSecret(peer));
        Console.WriteLine($"  {name,-24} keygen+derive {exchange,9:F1} /s   derive only {derive,9:F1} /s");
        Keep(name + " exchange", exchange);
        Keep(name + " derive", derive);
    }

    Keep("openssl ffdh2048", OpenSslSpeed("ffdh2048"));
    Keep("openssl ecdhp256", OpenSslSpeed("ecdhp256"));
}

double? Best(string key) => best.TryGetValue(key, out double v) ? v : null;

Console.WriteLine($"best of {rounds} rounds (per second):");
foreach (string key in best.Keys.Order(StringComparer.Ordinal))
{
    Console.WriteLine($"  {key,-36} {best[key],9:F1}");
}

Console.WriteLine("ratios:");
Ratio("libcrypto / BouncyCastle, MODP-2048 keygen+derive", Best("libcrypto MODP-2048 exchange"), Best("BouncyCastle MODP-2048 exchange"));
Ratio("libcrypto / BouncyCastle, MODP-2048 derive", Best("libcrypto MODP-2048 derive"), Best("BouncyCastle MODP-2048 derive"));
Ratio("libcrypto derive / openssl speed ffdh2048", Best("libcrypto MODP-2048 derive"), Best("openssl ffdh2048"));
Ratio("libcrypto keygen+derive / openssl speed ffdh2048", Best("libcrypto MODP-2048 exchange"), Best("openssl ffdh2048"));
Ratio("BouncyCastle keygen+derive / openssl speed ffdh2048", Best("BouncyCastle MODP-2048 exchange"), Best("openssl ffdh2048"));
Ratio("ECP-256 derive / openssl speed ecdhp256", Best("libcrypto ECP-256 derive"), Best("openssl ecdhp256"));
return 0;

double Rate(Action operation)
{
    var warmup = Stopwatch.StartNew();
    while (warmup.Elapsed.TotalSeconds < 0.3)
    {
        operation();
    }

    long count = 0;
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed.TotalSeconds < seconds)
    {
        operation();
        count++;
    }

    return count / clock.Elapsed.TotalSeconds;
}

// Runs 'openssl speed -elapsed -seconds N ALG' and returns its op/s, or null.
double? OpenSslSpeed(string algorithm)
{
    string arguments = string.Create(CultureInfo.InvariantCulture, $"speed -elapsed -seconds {seconds:F0} {algorithm}");
    try
    {
        string[] lines = Appliance.Bench.OpenSslSpeedRunner.Run(arguments);

        // A header line "op  op/s" then e.g. " 2048 bits ffdh   0.0003s   3873.9"
        // or " 256 bits ecdh (nistp256)   0.0000s  26722.1": op/s is the last field.
        int header = Array.FindLastIndex(lines, l => l.EndsWith("op/s", StringComparison.Ordinal));
        if (header < 0 || header + 1 >= lines.Length)
        {
            Console.WriteLine($"  openssl {arguments}: no result");
            return null;
        }

        string line = lines[header + 1];
        double rate = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], CultureInfo.InvariantCulture);
        Console.WriteLine($"  openssl speed {algorithm,-14} {rate,9:F1} /s   ({line})");
        return rate;
    }
    catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or FormatException)
    {
        Console.WriteLine($"  openssl {arguments}: {ex.Message}");
        return null;
    }
}

static void Ratio(string what, double? numerator, double? denominator)
{
    string text = numerator is { } n && denominator is { } d && d > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{n:F1} / {d:F1} = {n / d:F2}x")
        : "n/a";
    Console.WriteLine($"  {what,-52} {text}");
}
