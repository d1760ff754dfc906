using System.Net;
using System.Text;
using Appliance.Protocols.Crypto;

namespace Appliance.Bench.L2tp;

/// <summary>
/// --self-check, offline: the MS-CHAPv2 computations the driver relies on against RFC 2759 §9.2's
/// worked example, then the driver against the firmware's own L2TP server and PPP sessions on
/// 127.0.0.1: sessions come up (MS-CHAPv2, the server's authenticator response verified, an
/// address from IPCP), are torn down both ways, and the server is left with nothing.
/// </summary>
internal static class SelfCheck
{
    public static async Task<int> RunAsync()
    {
        int failures = 0;
        void Check(string name, bool ok)
        {
            Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {name}");
            if (!ok) failures++;
        }

        // RFC 2759 §9.2.
        byte[] user = Encoding.ASCII.GetBytes("User");
        const string password = "clientPass";
        byte[] authChallenge = Convert.FromHexString("5B5D7C7D7B3F2F3E3C2C602132262628");
        byte[] peerChallenge = Convert.FromHexString("21402324255E262A28295F2B3A337C7E");
        byte[] nt = MsChapV2.GenerateNTResponse(authChallenge, peerChallenge, user, password);
        Check("RFC 2759 9.2 NT-Response", Convert.ToHexString(nt) == "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
        byte[] expected = Encoding.ASCII.GetBytes("S=407A5589115FD0D6209F510FE9C04566932CDA56");
        Check("RFC 2759 9.2 authenticator response accepted",
            MsChapV2.CheckAuthenticatorResponse(MsChapV2.NtPasswordHash(password), nt, peerChallenge, authChallenge, user, expected));
        expected[10] ^= 1;
        Check("a wrong authenticator response refused",
            !MsChapV2.CheckAuthenticatorResponse(MsChapV2.NtPasswordHash(password), nt, peerChallenge, authChallenge, user, expected));

        using var lns = new LoopbackLns("bench", "bench-password");
        var random = new Random(7);
        var sessions = new List<LacSession>();
        for (int i = 0; i < 4; i++)
        {
            var s = new LacSession(lns.EndPoint, IPAddress.Loopback, "bench", "bench-password", random);
            bool up = await s.ConnectAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            Check($"session {i} up ({s.AuthName}, address {s.Address}){(up ? "" : ": " + s.Failure)}", up && s.AuthName == "MS-CHAPv2" && s.Address is not null);
            sessions.Add(s);
        }
        Check("4 sessions and 4 tunnels at the server", lns.SessionCount == 4 && lns.TunnelCount == 4);
        Check("4 distinct addresses", sessions.Select(s => s.Address?.ToString()).Distinct().Count() == 4);
        for (int i = 0; i < sessions.Count; i++)
        {
            var how = i % 2 == 0 ? Teardown.Cdn : Teardown.LcpTerminate;
            Check($"session {i} torn down by {how}", await sessions[i].DisconnectAsync(how, TimeSpan.FromSeconds(10)));
            sessions[i].Dispose();
        }
        await Task.Delay(500);
        Check($"server left with no sessions ({lns.SessionCount}), tunnels ({lns.TunnelCount}) or addresses ({lns.AddressesInUse})",
            lns.SessionCount == 0 && lns.TunnelCount == 0 && lns.AddressesInUse == 0);

        using var wrong = new LacSession(lns.EndPoint, IPAddress.Loopback, "bench", "wrong-password", random);
        Check("a wrong password is refused", !await wrong.ConnectAsync(TimeSpan.FromSeconds(10), CancellationToken.None) && wrong.Failure is not null);

        Console.WriteLine(failures == 0 ? "self-check passed" : $"self-check: {failures} failed");
        return failures == 0 ? 0 : 1;
    }
}
