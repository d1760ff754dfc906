namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Vendor ID payload values that matter to an L2TP/IPsec responder. Most are the MD5 hash of a
/// string (given beside each; the tests recompute every one), some with version or flag bytes
/// after it. Values and the prefix conventions were checked against ike-scan 1.9.5's
/// <c>/usr/share/ike-scan/ike-vendor-ids</c> (Debian package ike-scan) and the cited RFCs.
/// The properties return views of constant data (no allocation; copy with <c>ToArray()</c> to put
/// one in a <see cref="VendorIdPayload"/>).
/// </summary>
public static class KnownVendorIds
{
    /// <summary>MD5("RFC 3947") (RFC 3947 §3.1).</summary>
    public static ReadOnlySpan<byte> NatTraversalRfc3947 => [0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f];

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike"), sent by macOS/iOS racoon.</summary>
    public static ReadOnlySpan<byte> NatTraversalDraftUnversioned => [0x4d, 0xf3, 0x79, 0x28, 0xe9, 0xfc, 0x4f, 0xd1, 0xb3, 0x26, 0x21, 0x70, 0xd5, 0x15, 0xc6, 0x62];

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-00").</summary>
    public static ReadOnlySpan<byte> NatTraversalDraft00 => [0x44, 0x85, 0x15, 0x2d, 0x18, 0xb6, 0xbb, 0xcd, 0x0b, 0xe8, 0xa8, 0x46, 0x95, 0x79, 0xdd, 0xcc];

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-01").</summary>
    public static ReadOnlySpan<byte> NatTraversalDraft01 => [0x16, 0xf6, 0xca, 0x16, 0xe4, 0xa4, 0x06, 0x6d, 0x83, 0x82, 0x1a, 0x0f, 0x0a, 0xea, 0xa8, 0x62];

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-02").</summary>
    public static ReadOnlySpan<byte> NatTraversalDraft02 => [0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48];

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-02\n"): the newline is part of the hashed string.</summary>
    public static ReadOnlySpan<byte> NatTraversalDraft02Newline => [0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, 0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f];

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-03").</summary>
    public static ReadOnlySpan<byte> NatTraversalDraft03 => [0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, 0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56];

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-04").</summary>
    public static ReadOnlySpan<byte> NatTraversalDraft04 => [0x99, 0x09, 0xb6, 0x4e, 0xed, 0x93, 0x7c, 0x65, 0x73, 0xde, 0x52, 0xac, 0xe9, 0x52, 0xfa, 0x6b];

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-05").</summary>
    public static ReadOnlySpan<byte> NatTraversalDraft05 => [0x80, 0xd0, 0xbb, 0x3d, 0xef, 0x54, 0x56, 0x5e, 0xe8, 0x46, 0x45, 0xd4, 0xc8, 0x5c, 0xe3, 0xee];

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-06").</summary>
    public static ReadOnlySpan<byte> NatTraversalDraft06 => [0x4d, 0x1e, 0x0e, 0x13, 0x6d, 0xea, 0xfa, 0x34, 0xc4, 0xf3, 0xea, 0x9f, 0x02, 0xec, 0x72, 0x85];

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-07").</summary>
    public static ReadOnlySpan<byte> NatTraversalDraft07 => [0x43, 0x9b, 0x59, 0xf8, 0xba, 0x67, 0x6c, 0x4c, 0x77, 0x37, 0xae, 0x22, 0xea, 0xb8, 0xf5, 0x82];

    /// <summary>MD5("draft-ietf-ipsec-nat-t-ike-08").</summary>
    public static ReadOnlySpan<byte> NatTraversalDraft08 => [0x8f, 0x8d, 0x83, 0x82, 0x6d, 0x24, 0x6b, 0x6f, 0xc7, 0xa8, 0xa6, 0xa4, 0x28, 0xc1, 0x1d, 0xe8];

    /// <summary>
    /// Dead Peer Detection v1.0 (RFC 3706 §5.1: 14 fixed bytes, then major version 1, minor 0).
    /// Not an MD5 of a known string.
    /// </summary>
    public static ReadOnlySpan<byte> DeadPeerDetection => [0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00];

    /// <summary>
    /// MD5("FRAGMENTATION"). Cisco and strongSwan append 4 flag bytes (80 00 00 00); Windows and
    /// racoon send the bare hash. Match with <see cref="Identify"/>, which takes the prefix.
    /// </summary>
    public static ReadOnlySpan<byte> Fragmentation => [0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3];

    /// <summary>The FRAGMENTATION ID with the 80 00 00 00 flags that Cisco and strongSwan send.</summary>
    public static ReadOnlySpan<byte> FragmentationWithFlags => [0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3, 0x80, 0x00, 0x00, 0x00];

    /// <summary>
    /// MD5("MS NT5 ISAKMPOAKLEY"), the prefix of every Windows VID; 4 big-endian version bytes follow
    /// (2 = Windows 2000 ... 7 = Windows 7, 8 = 2008 R2, 9 = Windows 8 and later).
    /// </summary>
    public static ReadOnlySpan<byte> MicrosoftNt5Prefix => [0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61];

    /// <summary>MD5("MS-Negotiation Discovery Capable").</summary>
    public static ReadOnlySpan<byte> MicrosoftNegotiationDiscoveryCapable => [0xfb, 0x1d, 0xe3, 0xcd, 0xf3, 0x41, 0xb7, 0xea, 0x16, 0xb7, 0xe5, 0xbe, 0x08, 0x55, 0xf1, 0x20];

    /// <summary>MD5("Vid-Initial-Contact").</summary>
    public static ReadOnlySpan<byte> MicrosoftInitialContact => [0x26, 0x24, 0x4d, 0x38, 0xed, 0xdb, 0x61, 0xb3, 0x17, 0x2a, 0x36, 0xe3, 0xd0, 0xcf, 0xb8, 0x19];

    /// <summary>MD5("IKE CGA version 1").</summary>
    public static ReadOnlySpan<byte> MicrosoftIkeCga => [0xe3, 0xa5, 0x96, 0x6a, 0x76, 0x37, 0x9f, 0xe7, 0x07, 0x22, 0x82, 0x31, 0xe5, 0xce, 0x86, 0x52];

    /// <summary>MD5("MS-MamieExists").</summary>
    public static ReadOnlySpan<byte> MicrosoftMamieExists => [0x21, 0x4c, 0xa4, 0xfa, 0xff, 0xa7, 0xf3, 0x2d, 0x67, 0x48, 0xe5, 0x30, 0x33, 0x95, 0xae, 0x83];

    /// <summary>The first 8 bytes of MD5("draft-ietf-ipsra-isakmp-xauth-06.txt").</summary>
    public static ReadOnlySpan<byte> Xauth => [0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12];

    /// <summary>
    /// MD5("CISCO-UNITY") with its last two bytes replaced by major 1, minor 0 (as sent by Cisco and
    /// by strongSwan/libreswan when Unity is enabled).
    /// </summary>
    public static ReadOnlySpan<byte> CiscoUnity => [0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9, 0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00];

    /// <summary>MD5("strongSwan"). Versioned strongSwan IDs hash "strongSwan x.y.z" and are not listed.</summary>
    public static ReadOnlySpan<byte> StrongSwan => [0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc, 0x22, 0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb];

    /// <summary>
    /// Names a received Vendor ID. Exact match for the hash-only IDs; prefix rules where peers add
    /// bytes: DPD (14 bytes + any 2-byte version), FRAGMENTATION (16 bytes + optional 4 flag bytes),
    /// MS NT5 (16 bytes + optional 4-byte version), Cisco Unity (14 bytes + 2-byte version).
    /// </summary>
    public static KnownVendor Identify(ReadOnlySpan<byte> vendorId)
    {
        if (vendorId.Length == 16)
        {
            if (vendorId.SequenceEqual(NatTraversalRfc3947)) return KnownVendor.NatTraversalRfc3947;
            if (vendorId.SequenceEqual(NatTraversalDraft02Newline)) return KnownVendor.NatTraversalDraft02Newline;
            if (vendorId.SequenceEqual(NatTraversalDraft02)) return KnownVendor.NatTraversalDraft02;
            if (vendorId.SequenceEqual(NatTraversalDraft03)) return KnownVendor.NatTraversalDraft03;
            if (vendorId.SequenceEqual(NatTraversalDraft00)) return KnownVendor.NatTraversalDraft00;
            if (vendorId.SequenceEqual(NatTraversalDraft01)) return KnownVendor.NatTraversalDraft01;
            if (vendorId.SequenceEqual(NatTraversalDraft04)) return KnownVendor.NatTraversalDraft04;
            if (vendorId.SequenceEqual(NatTraversalDraft05)) return KnownVendor.NatTraversalDraft05;
            if (vendorId.SequenceEqual(NatTraversalDraft06)) return KnownVendor.NatTraversalDraft06;
            if (vendorId.SequenceEqual(NatTraversalDraft07)) return KnownVendor.NatTraversalDraft07;
            if (vendorId.SequenceEqual(NatTraversalDraft08)) return KnownVendor.NatTraversalDraft08;
            if (vendorId.SequenceEqual(NatTraversalDraftUnversioned)) return KnownVendor.NatTraversalDraftUnversioned;
            if (vendorId.SequenceEqual(MicrosoftNegotiationDiscoveryCapable)) return KnownVendor.MicrosoftNegotiationDiscoveryCapable;
            if (vendorId.SequenceEqual(MicrosoftInitialContact)) return KnownVendor.MicrosoftInitialContact;
            if (vendorId.SequenceEqual(MicrosoftIkeCga)) return KnownVendor.MicrosoftIkeCga;
            if (vendorId.SequenceEqual(MicrosoftMamieExists)) return KnownVendor.MicrosoftMamieExists;
            if (vendorId.SequenceEqual(StrongSwan)) return KnownVendor.StrongSwan;

            // RFC 3706 §5.1: the last two bytes are the DPD major/minor version.
            if (vendorId.StartsWith(DeadPeerDetection[..14])) return KnownVendor.DeadPeerDetection;

            // The last two bytes of the Unity hash are replaced by a version.
            if (vendorId.StartsWith(CiscoUnity[..14])) return KnownVendor.CiscoUnity;
        }

        // Windows sends the bare 16-byte hash; Cisco/strongSwan add 4 bytes of flags.
        if ((vendorId.Length == 16 || vendorId.Length == 20) && vendorId.StartsWith(Fragmentation))
        {
            return KnownVendor.Fragmentation;
        }

        // Windows always adds its 4-byte version; the bare hash is accepted too.
        if ((vendorId.Length == 16 || vendorId.Length == 20) && vendorId.StartsWith(MicrosoftNt5Prefix))
        {
            return KnownVendor.MicrosoftNt5;
        }

        if (vendorId.SequenceEqual(Xauth))
        {
            return KnownVendor.Xauth;
        }

        return KnownVendor.Unknown;
    }

    /// <summary>The Windows version number in an "MS NT5 ISAKMPOAKLEY" VID, or null if it is not one.</summary>
    public static uint? GetMicrosoftNt5Version(ReadOnlySpan<byte> vendorId) =>
        vendorId.Length == 20 && vendorId.StartsWith(MicrosoftNt5Prefix)
            ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(vendorId.Slice(16, 4))
            : null;
}
