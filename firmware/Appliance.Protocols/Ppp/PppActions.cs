using System.Net;

namespace Appliance.Protocols.Ppp;

/// <summary>What a <see cref="PppSession"/> asks its host to do, in order. The core performs no I/O.</summary>
public abstract record PppAction;

/// <summary>Send one PPP frame (FF 03, two-byte protocol, information) to the peer.</summary>
public sealed record PppSendFrame(byte[] Frame) : PppAction;

/// <summary>The peer proved the password of <paramref name="UserName"/>.</summary>
public sealed record PppAuthenticated(string UserName, string Method) : PppAction;

/// <summary>Authentication failed; the session is closing the link. The reason is for the log, not the peer.</summary>
public sealed record PppAuthenticationFailed(string UserName, string Reason) : PppAction;

/// <summary>IPCP opened: configure the interface and the route to <paramref name="PeerAddress"/>.</summary>
public sealed record PppNetworkUp(IPAddress LocalAddress, IPAddress PeerAddress, int Mru) : PppAction;

/// <summary>IPCP left the Opened state (peer renegotiates or the link closes): remove the route.</summary>
public sealed record PppNetworkDown(IPAddress PeerAddress, string Reason) : PppAction;

/// <summary>The session gave its address back through <see cref="IPppAuthority.ReleaseAddress"/>.</summary>
public sealed record PppAddressReleased(IPAddress Address) : PppAction;

/// <summary>The link is finished for good: tear down the L2TP session. Always the last action.</summary>
public sealed record PppLinkDown(string Reason) : PppAction;

/// <summary>An IPv4 packet from the peer (protocol 0x0021 while IPCP is Opened), for a userspace datapath.</summary>
public sealed record PppIpPacket(ReadOnlyMemory<byte> Packet) : PppAction;

/// <summary>One event for the log; fields never carry passwords, hashes, challenges or responses.</summary>
public sealed record PppLog(string Level, string Message, (string Key, object? Value)[] Fields) : PppAction
{
    // Written by hand: the compiler-generated member printer, with its tuple array, makes the
    // NativeAOT compiler fail code generation for linux-arm64 (as for IkeLog).
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Level = ").Append(Level).Append(", Message = ").Append(Message);
        foreach (var (key, value) in Fields) builder.Append(", ").Append(key).Append(" = ").Append(value);
        return true;
    }
}
