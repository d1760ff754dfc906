using System.Collections.Concurrent;
using System.Net;
using Appliance.Protocols.Crypto;

namespace Appliance.Bench.Ike;

/// <summary>What every exchange of one run shares: the PSK, the DH group, the responder, and
/// the initiator's key pairs.</summary>
internal sealed record ExchangeProfile(byte[] Psk, ushort Group, IPAddress Responder, KeyPairPool KeyPairs);

/// <summary>
/// The driver's own Diffie-Hellman key pairs. By default a key pair is reused across exchanges (one
/// at a time; the pool grows to the number in flight), so the driver pays one agreement per
/// handshake while the responder pays key generation + agreement: the driver must not be what
/// limits the rate. Both responders see a valid, different-per-slot KE value; nothing in IKEv1
/// lets a responder tell a reused one. With <c>fresh</c> every exchange generates its own, as a
/// real client does. MODP groups come from libcrypto through
/// <see cref="DiffieHellmanGroups.Create(int)"/>, ECP from .NET's OpenSSL-backed ECDH.
/// </summary>
internal sealed class KeyPairPool(int group, bool fresh) : IDisposable
{
    private readonly ConcurrentBag<IDiffieHellman> _idle = [];

    public bool Fresh => fresh;

    public IDiffieHellman Rent() => !fresh && _idle.TryTake(out var pair) ? pair : DiffieHellmanGroups.Create(group);

    public void Return(IDiffieHellman pair)
    {
        if (fresh) pair.Dispose();
        else _idle.Add(pair);
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var pair)) pair.Dispose();
    }
}
