using System.Diagnostics;
using System.Globalization;
using Appliance.Protocols.Crypto;
using Appliance.Protocols.Esp;

// Usage: dotnet run -c Release --project tests/bench/Appliance.Bench.Esp [SECONDS] [ROUNDS]
// Single-thread throughput of OutboundEspSa.TryEncrypt and InboundEspSa.TryDecrypt on 1400-byte
// payloads (the size of an L2TP/PPP frame under a 1500-byte MTU), each direction timed on its own,
// for AES-128-GCM and AES-128-CBC + HMAC-SHA1-96. Then 'openssl speed' on the same machine for the
// same primitives, and the ratio ours / OpenSSL (goal: at least 25 %). MB = 10^6 bytes of payload.
// Both sides are wall-clock rates, so other load on the machine lowers them; the runs alternate
// (ours, then OpenSSL, ROUNDS times) and the best of each is compared, which keeps the ratio fair
// when the load changes during the run.
double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
const int PayloadLength = 1400;

Console.WriteLine($"ESP datapath, one thread, {PayloadLength}-byte payloads, {seconds:F0} s per measurement, {rounds} rounds ({Environment.ProcessorCount} CPUs, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, load average {LoadAverage()})");
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
    foreach (EspTransform transform in new[] { EspTransform.AesGcm16_128, EspTransform.AesCbc128HmacSha1_96 })
    {
        Result r = Measure(transform, PayloadLength, seconds);
        Console.WriteLine($"  ours    {r.Name,-26} encrypt {r.EncryptMBps,8:F1} MB/s   decrypt {r.DecryptMBps,8:F1} MB/s   ({r.Packets} packets each way, {r.AllocatedBytesPerPacket:F1} B allocated/packet)");
        Keep(r.Name + " encrypt", r.EncryptMBps);
        Keep(r.Name + " decrypt", r.DecryptMBps);
    }

    Keep("openssl gcm encrypt", OpenSslSpeed("-evp aes-128-gcm"));
    Keep("openssl gcm decrypt", OpenSslSpeed("-decrypt -evp aes-128-gcm"));
    Keep("openssl cbc encrypt", OpenSslSpeed("-evp aes-128-cbc"));
    Keep("openssl cbc decrypt", OpenSslSpeed("-decrypt -evp aes-128-cbc"));
    Keep("openssl hmac-sha1", OpenSslSpeed("-hmac sha1"));
}

double? Best(string key) => best.TryGetValue(key, out double v) ? v : null;

// CBC + HMAC done one after the other: the times add, so the combined rate is 1 / (1/a + 1/b).
double? sha1 = Best("openssl hmac-sha1");
double? cbcSha1Enc = Best("openssl cbc encrypt") is { } e && sha1 is { } h1 ? 1 / (1 / e + 1 / h1) : null;
double? cbcSha1Dec = Best("openssl cbc decrypt") is { } d && sha1 is { } h2 ? 1 / (1 / d + 1 / h2) : null;
Console.WriteLine($"best of {rounds} rounds; OpenSSL aes-128-cbc + hmac(sha1) back to back: encrypt {Show(cbcSha1Enc)} MB/s, decrypt {Show(cbcSha1Dec)} MB/s");

Console.WriteLine("Ratio ours / OpenSSL (goal >= 25 %):");
Ratio("aes128gcm16 encrypt", best["aes128gcm16 encrypt"], Best("openssl gcm encrypt"));
Ratio("aes128gcm16 decrypt", best["aes128gcm16 decrypt"], Best("openssl gcm decrypt"));
Ratio("aes128-sha1 encrypt", best["aes128-sha1 encrypt"], cbcSha1Enc);
Ratio("aes128-sha1 decrypt", best["aes128-sha1 decrypt"], cbcSha1Dec);
Console.WriteLine($"load average at the end: {LoadAverage()}");
return 0;

static string LoadAverage()
{
    try
    {
        return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
    }
    catch (IOException)
    {
        return "n/a";
    }
}

static Result Measure(EspTransform transform, int payloadLength, double seconds)
{
    const int Batch = 2048;
    var keys = new EspSaParameters
    {
        Spi = 0x0BE7C0DE,
        Transform = transform,
        EncryptionKey = SystemRandomSource.Instance.GetBytes(transform.EncryptionKeyLength),
        IntegrityKey = SystemRandomSource.Instance.GetBytes(transform.IntegrityKeyLength),
    };
    using var outbound = new OutboundEspSa(keys, SystemRandomSource.Instance);
    using var inbound = new InboundEspSa(keys);
    byte[] payload = SystemRandomSource.Instance.GetBytes(payloadLength);
    int packetLength = outbound.GetPacketLength(payloadLength);
    var packets = new byte[Batch * packetLength];
    var plaintext = new byte[packetLength];

    // Batches: encrypt a batch (timed), then decrypt it in order (timed); the inbound window sees
    // strictly increasing sequence numbers, as from a well-behaved peer.
    long RunBatch(ref long encryptTicks, ref long decryptTicks)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < Batch; i++)
        {
            if (!outbound.TryEncrypt(payload, EspPacket.NextHeaderUdp, packets.AsSpan(i * packetLength, packetLength), out _))
            {
                throw new InvalidOperationException("sequence numbers exhausted");
            }
        }

        long middle = Stopwatch.GetTimestamp();
        for (int i = 0; i < Batch; i++)
        {
            EspDecryptResult result = inbound.TryDecrypt(packets.AsSpan(i * packetLength, packetLength), plaintext, out int length, out _);
            if (result != EspDecryptResult.Ok || length != payloadLength)
            {
                throw new InvalidOperationException($"decrypt failed: {result}");
            }
        }

        long end = Stopwatch.GetTimestamp();
        encryptTicks += middle - start;
        decryptTicks += end - middle;
        return Batch;
    }

    long warmEncrypt = 0, warmDecrypt = 0;
    var warmup = Stopwatch.StartNew();
    while (warmup.Elapsed.TotalSeconds < 0.5)
    {
        RunBatch(ref warmEncrypt, ref warmDecrypt);
    }

    long encryptTicks = 0, decryptTicks = 0, count = 0;
    long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed.TotalSeconds < seconds)
    {
        count += RunBatch(ref encryptTicks, ref decryptTicks);
    }

    long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
    double bytes = (double)count * payloadLength;
    return new Result(
        transform.ToString(),
        bytes / (encryptTicks / (double)Stopwatch.Frequency) / 1e6,
        bytes / (decryptTicks / (double)Stopwatch.Frequency) / 1e6,
        count,
        allocated / (2.0 * count));
}

// Runs openssl speed and returns MB/s (10^6 bytes/s) for the single block size, or null.
double? OpenSslSpeed(string arguments)
{
    string full = string.Create(CultureInfo.InvariantCulture, $"speed -elapsed -seconds {seconds:F0} -bytes {PayloadLength} {arguments}");
    try
    {
        string[] lines = Appliance.Bench.OpenSslSpeedRunner.Run(full);

        // "The 'numbers' are in 1000s of bytes per second processed." then a "type" header line
        // and one line per algorithm, e.g. "AES-128-GCM    2036013.00k".
        int header = Array.FindLastIndex(lines, l => l.StartsWith("type", StringComparison.Ordinal));
        if (header < 0 || header + 1 >= lines.Length)
        {
            Console.WriteLine($"  openssl {full}: no result");
            return null;
        }

        string[] fields = lines[header + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        double thousands = double.Parse(fields[^1].TrimEnd('k'), CultureInfo.InvariantCulture);
        double mbps = thousands * 1000 / 1e6;
        Console.WriteLine($"  openssl {arguments,-26} {string.Join(' ', fields[..^1]),-12} {mbps,8:F1} MB/s   (raw: {fields[^1]} = 1000s of bytes/s)");
        return mbps;
    }
    catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or FormatException)
    {
        Console.WriteLine($"  openssl {full}: {ex.Message}");
        return null;
    }
}

static string Show(double? value) => value is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "n/a";

static void Ratio(string what, double ours, double? openssl)
{
    if (openssl is not { } reference)
    {
        Console.WriteLine($"  {what}: ours {ours:F1} MB/s, OpenSSL n/a");
        return;
    }

    double ratio = ours / reference;
    Console.WriteLine($"  {what}: {ours,8:F1} / {reference,8:F1} MB/s = {ratio * 100,5:F1} %  {(ratio >= 0.25 ? "ok" : "BELOW GOAL")}");
}

internal sealed record Result(string Name, double EncryptMBps, double DecryptMBps, long Packets, double AllocatedBytesPerPacket);
