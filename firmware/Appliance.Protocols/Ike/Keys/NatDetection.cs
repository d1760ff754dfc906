using System.Buffers.Binary;
using System.Net;

namespace Appliance.Protocols.Ike.Keys;

/// <summary>
/// NAT-D hashes (RFC 3947 §3.2; the drafts compute them the same way):
/// HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash. A peer whose hash of its own address
/// differs from what we see is behind a NAT; likewise for ours.
/// </summary>
public static class NatDetection
{
    public static byte[] Hash(IkePrf prf, Cookies cookies, IPAddress address, ushort port)
    {
        var portBytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(portBytes, port);
        return prf.HashOf(cookies.InitiatorBytes, cookies.ResponderBytes, address.GetAddressBytes(), portBytes);
    }
}
