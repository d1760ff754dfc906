namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Life Type values, the same in phase 1 (RFC 2409 Appendix A) and phase 2 (RFC 2407 §4.5).
/// </summary>
public static class LifeType
{
    public const ushort Seconds = 1;
    public const ushort Kilobytes = 2;
}
