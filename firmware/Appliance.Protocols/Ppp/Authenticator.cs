namespace Appliance.Protocols.Ppp;

/// <summary>The end of an authentication exchange: who, and on failure why (for the log only).</summary>
internal readonly record struct AuthenticationVerdict(bool Succeeded, string UserName, string Reason);

/// <summary>
/// The authenticator side of one authentication protocol (RFC 1661 §3.5 Authenticate phase).
/// Started when LCP opens; kept after a verdict so a peer that lost our Success and repeats its
/// Response gets the same Success again.
/// </summary>
internal abstract class Authenticator
{
    /// <summary>Interval between Challenge retransmissions, the RFC 1661 restart timer's default.</summary>
    public static readonly TimeSpan RetransmitInterval = TimeSpan.FromSeconds(3);

    public abstract ushort Protocol { get; }
    public abstract PppAuthenticationMethod Method { get; }

    /// <summary>The name used in logs and actions: "MS-CHAPv2", "CHAP-MD5", "PAP".</summary>
    public string MethodName => Method switch
    {
        PppAuthenticationMethod.MsChapV2 => "MS-CHAPv2",
        PppAuthenticationMethod.ChapMd5 => "CHAP-MD5",
        PppAuthenticationMethod.Pap => "PAP",
        _ => "none",
    };

    /// <summary>Whether a verdict has been reached (further Responses are only answered from cache).</summary>
    public bool Done { get; protected set; }

    public abstract void Start(DateTimeOffset now, PppOutput output);

    /// <summary>A packet of <see cref="Protocol"/>; a verdict when it decided the exchange.</summary>
    public abstract AuthenticationVerdict? Receive(ControlPacket packet, DateTimeOffset now, PppOutput output);

    /// <summary>Retransmissions while waiting for the peer.</summary>
    public virtual void Tick(DateTimeOffset now, PppOutput output)
    {
    }

    /// <summary>When <see cref="Tick"/> has something to do next; null when nothing is pending.</summary>
    public virtual DateTimeOffset? NextDeadline => null;
}
