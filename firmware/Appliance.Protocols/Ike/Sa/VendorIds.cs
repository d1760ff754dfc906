using System.Security.Cryptography;
using System.Text;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>The vendor IDs the responder recognises and sends. The NAT-T IDs are MD5 hashes of
/// their names (RFC 3947 §2 and the drafts), computed here rather than copied as hex.</summary>
internal static class VendorIds
{
    public static readonly byte[] NatTRfc3947 = Md5("RFC 3947");
    public static readonly byte[] NatTDraft02 = Md5("draft-ietf-ipsec-nat-t-ike-02");
    public static readonly byte[] NatTDraft02N = Md5("draft-ietf-ipsec-nat-t-ike-02\n");
    public static readonly byte[] NatTDraft03 = Md5("draft-ietf-ipsec-nat-t-ike-03");
    /// <summary>RFC 3706 §3: the DPD vendor ID, version 1.0.</summary>
    public static readonly byte[] Dpd = Convert.FromHexString("AFCAD71368A1F1C96B8696FC77570100");

    private static byte[] Md5(string name) => MD5.HashData(Encoding.ASCII.GetBytes(name));

    public static bool Is(byte[] vid, byte[] known) => vid.AsSpan().StartsWith(known) && vid.Length <= known.Length + 4;
}

/// <summary>Which NAT-T dialect a peer speaks, best first: the RFC uses payload types 20/21 and
/// encapsulation mode 4; the drafts 130/131 and 61443/61444.</summary>
internal enum NatTVersion { None, Draft02, Draft03, Rfc3947 }
