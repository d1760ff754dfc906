namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// ESP transform IDs (RFC 2407 §4.4.4; AES-CBC RFC 3602 §5; AES-GCM RFC 4106 §8.1).
/// </summary>
public static class EspTransformIds
{
    public const byte Des = 2;
    /// <summary>ESP_3DES.</summary>
    public const byte TripleDes = 3;
    public const byte Null = 11;
    /// <summary>ESP_AES (CBC); key length attribute required for 192/256.</summary>
    public const byte AesCbc = 12;
    /// <summary>AES-GCM with an 8-octet ICV.</summary>
    public const byte AesGcm8 = 18;
    /// <summary>AES-GCM with a 12-octet ICV.</summary>
    public const byte AesGcm12 = 19;
    /// <summary>AES-GCM with a 16-octet ICV (ChromeOS offers aes128gcm16).</summary>
    public const byte AesGcm16 = 20;
}
