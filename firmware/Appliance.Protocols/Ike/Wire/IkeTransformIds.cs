namespace Appliance.Protocols.Ike.Wire;

/// <summary>Transform IDs for protocol ISAKMP (RFC 2407 §4.4.2).</summary>
public static class IkeTransformIds
{
    /// <summary>The only ISAKMP transform: IKE with its attributes in the transform.</summary>
    public const byte KeyIke = 1;
}
