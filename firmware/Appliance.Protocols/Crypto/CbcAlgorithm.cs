namespace Appliance.Protocols.Crypto;

/// <summary>The block ciphers the appliance runs in CBC mode for IKEv1 and ESP.</summary>
public enum CbcAlgorithm
{
    /// <summary>AES-CBC with 128/192/256-bit keys (RFC 3602, RFC 3686 key sizes; IKEv1 per RFC 3602 §5).</summary>
    Aes,

    /// <summary>Three-key Triple DES (DES-EDE3) in CBC mode (RFC 2451; IKEv1 per RFC 2409 Appendix A).</summary>
    TripleDes,
}
