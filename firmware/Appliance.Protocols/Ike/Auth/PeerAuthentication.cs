namespace Appliance.Protocols.Ike.Auth;

/// <summary>The verdict on a client's Main Mode 5 under signature authentication: the notify to
/// answer a refusal with, the reason for the log, and the certificate for the log either way.</summary>
internal sealed record PeerAuthentication(bool Authentic, ushort Notify, string Reason, string? CertificateSubject, string? CertificateSerial)
{
    public static PeerAuthentication Refused(ushort notify, string reason, string? subject = null, string? serial = null) =>
        new(false, notify, reason, subject, serial);
}
