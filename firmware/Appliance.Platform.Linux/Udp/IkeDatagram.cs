using System.Net;

namespace Appliance.Platform.Linux.Udp;

/// <summary>What arrived on UDP 500 or 4500, already sorted: an IKE message (the non-ESP marker
/// removed), or an ESP packet in UDP (RFC 3948).</summary>
public readonly record struct IkeDatagram(byte[] Data, IPEndPoint From, IPEndPoint Local, bool NatTraversalPort, bool IsEsp);
