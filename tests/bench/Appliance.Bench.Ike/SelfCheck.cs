using System.Net;
using System.Text;
using Appliance.Protocols.Ike.Policy;
using Appliance.Protocols.Ike.Sa;

namespace Appliance.Bench.Ike;

/// <summary>
/// Before measuring anything: the driver's exchange against the firmware's responder in memory,
/// no sockets. Per group it must complete and make the responder install one ESP SA pair, its
/// Delete must empty the responder, and with a wrong PSK it must NOT complete (the driver checks
/// HASH_R, so it cannot credit a responder with a handshake a client would reject). On the wire,
/// charon (an implementation we did not write) is the second check: it only answers QM1 when
/// HASH_I and HASH(1) are right.
/// </summary>
internal static class SelfCheck
{
    private static readonly IPEndPoint Responder = new(IPAddress.Parse("198.18.0.1"), 500);
    private static readonly IPEndPoint Initiator = new(IPAddress.Parse("198.18.1.1"), 40000);

    public static int Run()
    {
        int failures = 0;
        foreach (ushort group in new ushort[] { 14, 19 })
        {
            failures += Check($"group {group}, right PSK", Exchange(group, "right", "right", out string detail) == "complete, 1 ESP SA pair, 0 SAs after Delete", detail);
            failures += Check($"group {group}, wrong PSK", Exchange(group, "right", "wrong", out detail).StartsWith("failed", StringComparison.Ordinal), detail);
            // A byte of the responder's MM6 / QM2 changed on the way: HASH_R / HASH(2) no longer
            // match (or the message no longer decodes), and the driver must not count it.
            failures += Check($"group {group}, MM6 altered", Exchange(group, "right", "right", out detail, corruptStep: 2).StartsWith("failed", StringComparison.Ordinal), detail);
            failures += Check($"group {group}, QM2 altered", Exchange(group, "right", "right", out detail, corruptStep: 3).StartsWith("failed", StringComparison.Ordinal), detail);
        }
        Console.WriteLine(failures == 0 ? "self-check: passed" : $"self-check: {failures} failed");
        return failures == 0 ? 0 : 1;
    }

    private static int Check(string name, bool ok, string detail)
    {
        Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {name}: {detail}");
        return ok ? 0 : 1;
    }

    /// <summary>One exchange, the responder keyed with <paramref name="responderPsk"/>, the driver
    /// with <paramref name="driverPsk"/>; the responder's answer number <paramref name="corruptStep"/>
    /// (0 MM2, 1 MM4, 2 MM6, 3 QM2) gets one byte flipped in its second-to-last cipher block.
    /// Returns what happened in words.</summary>
    private static string Exchange(ushort group, string responderPsk, string driverPsk, out string detail, int corruptStep = -1)
    {
        using var responder = new IkeResponder(new IkeResponderOptions
        {
            PreSharedKey = Encoding.UTF8.GetBytes(responderPsk),
            Policy = new AlgorithmPolicy(SecurityLevel.Compatible),
        });
        using var keys = new KeyPairPool(group, fresh: true);
        var profile = new ExchangeProfile(Encoding.UTF8.GetBytes(driverPsk), group, Responder.Address, keys);
        using var exchange = new InitiatorExchange(profile, Initiator.Address);
        var now = DateTimeOffset.UnixEpoch;
        byte[] request = exchange.Start();
        int installed = 0;
        for (int step = 0; step < 10; step++)
        {
            var actions = responder.Receive(request, Initiator, Responder, false, now);
            installed += actions.OfType<InstallChildSa>().Count();
            var replies = actions.OfType<SendDatagram>().ToList();
            if (replies.Count == 0)
            {
                detail = $"responder answered nothing at step {step}";
                return exchange.IsComplete ? Finish(responder, exchange, installed, out detail) : "failed: no answer";
            }
            StepResult result = StepResult.Ignored;
            byte[]? next = null;
            foreach (var reply in replies)
            {
                byte[] data = reply.Data;
                if (step == corruptStep) { data = (byte[])data.Clone(); data[^20] ^= 0x01; }
                result = exchange.Receive(data, out next);
                if (result != StepResult.Ignored) break;
            }
            switch (result)
            {
                case StepResult.Next:
                    request = next!;
                    continue;
                case StepResult.Completed:
                    installed += responder.Receive(next!, Initiator, Responder, false, now).OfType<InstallChildSa>().Count();
                    return Finish(responder, exchange, installed, out detail);
                case StepResult.Failed:
                    detail = exchange.Failure;
                    return "failed: " + exchange.Failure;
                default:
                    detail = "the driver ignored the responder's answer";
                    return "failed: ignored";
            }
        }
        detail = "no end after 10 steps";
        return "failed: too many steps";
    }

    private static string Finish(IkeResponder responder, InitiatorExchange exchange, int installed, out string detail)
    {
        int established = responder.EstablishedCount;
        _ = responder.Receive(exchange.DeleteIkeSa(), Initiator, Responder, false, DateTimeOffset.UnixEpoch);
        detail = $"{established} established, {installed} ESP SA pair(s) installed, {responder.SaCount} SA(s) after Delete";
        return $"complete, {installed} ESP SA pair{(installed == 1 ? "" : "s")}, {responder.SaCount} SAs after Delete";
    }
}
