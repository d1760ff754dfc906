using System.Security.Cryptography;
using Appliance.Protocols.Ike.Auth;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>
/// Main Mode with RSA signatures (RFC 2409 §5.1): SKEYID = prf(Ni_b | Nr_b, g^xy); the initiator
/// proves itself with its certificate and SIG_I over HASH_I, we with ours and SIG_R over HASH_R.
/// HASH_I and HASH_R are the pre-shared key formulas under that SKEYID.
/// </summary>
internal sealed partial class IkeSa
{
    private bool UsesSignatures => Chosen?.AuthMethod == AuthMethod.RsaSignatures;

    /// <summary>Pre-shared keys always; RSA signatures when a certificate is configured. DSS,
    /// public-key encryption and the XAUTH variants are never chosen.</summary>
    private bool AuthMethodAvailable(ushort method) =>
        method == AuthMethod.PreSharedKey || (method == AuthMethod.RsaSignatures && _options.Certificates is not null);

    /// <summary>One CERTREQ per trusted CA, naming it by its subject DN (RFC 4945 §3.2.4), so a
    /// client with several certificates sends the one this box can check.</summary>
    private IEnumerable<Payload> CertificateRequests() =>
        _options.Certificates!.TrustedSubjectDns.Select(dn => new CertificateRequestPayload(CertificateEncoding.X509Signature, dn));

    private void OnSignedIdentity(IsakmpHeader header, byte[] message, List<IkeAction> actions, DateTimeOffset now)
    {
        var credentials = _options.Certificates!;
        var plain = _cipher!.Decrypt(ref _iv, message.AsSpan(IsakmpHeader.Size, (int)header.Length - IsakmpHeader.Size));
        List<Payload>? payloads = null;
        List<Range> extents = [];
        if (plain is not null && PayloadCodec.TryDecodeChain(header.NextPayload, plain, true, out var decoded, out extents) == DecodeError.None)
            payloads = decoded;
        var id = payloads?.OfType<IdentificationPayload>().FirstOrDefault();
        var signature = payloads?.OfType<SignaturePayload>().FirstOrDefault();
        PeerAuthentication verdict;
        if (id is null || signature is null)
        {
            // Under signatures no secret goes into the keys, so an undecryptable or incomplete
            // message 5 is damage or forgery, not a configuration mismatch.
            verdict = PeerAuthentication.Refused(NotifyType.PayloadMalformed, "message 5 without ID and SIG, or undecryptable");
        }
        else
        {
            byte[] idBody = ChainBytes.Body(plain, extents[payloads!.IndexOf(id)]);
            byte[] hashI = _keys!.HashInitiator(_gxi, _gxr, Cookies, _saInitiatorBody, idBody);
            verdict = PeerCertificateCheck.Check(payloads.OfType<CertificatePayload>().ToList(), id, hashI, signature.Data, credentials, now);
        }
        if (!verdict.Authentic)
        {
            // Encrypted like every message after MM4; the notify tells the client which check
            // failed, so its log says more than "timeout". Nothing of this SA is kept.
            actions.Add(Log("warn", "client certificate authentication failed", ("peer", Peer), ("reason", verdict.Reason),
                ("id", id is null ? null : IdText(id)), ("certificate", verdict.CertificateSubject), ("serial", verdict.CertificateSerial)));
            _lastPhase1Block = _iv;
            SendInformational(actions, verdict.Notify, ProtocolId.Isakmp, []);
            State = SaState.Dead;
            return;
        }
        _authenticated = true;
        PeerIdentity = id!.Data;
        bool initialContact = payloads!.OfType<NotificationPayload>().Any(n => n.MessageType == NotifyType.InitialContact);

        // IDir is our certificate's subject: with signatures the peer matches our identity
        // against the certificate, and an address would not be in it.
        var ourId = new IdentificationPayload(IdType.DerAsn1Dn, 0, 0, credentials.ServerSubjectDn);
        byte[] hashR = _keys!.HashResponder(_gxi, _gxr, Cookies, _saInitiatorBody, PayloadCodec.EncodeBody(ourId));
        byte[] sigR = credentials.Signer.SignWithoutDigestInfo(hashR);
        CryptographicOperations.ZeroMemory(hashR);
        var header6 = ReplyHeader(ExchangeType.IdentityProtection, 0, IsakmpFlags.Encryption);
        byte[] body = PayloadCodec.EncodeChain(
            [ourId, new CertificatePayload(CertificateEncoding.X509Signature, credentials.ServerCertificate), new SignaturePayload(sigR)], out var first);
        byte[] encrypted = _cipher.Encrypt(ref _iv, body);
        _lastPhase1Block = _iv;
        State = SaState.Established;
        actions.Add(new SendDatagram(IkeMessage.EncodeEncrypted(header6, first, encrypted), Peer, Local, OnNatTraversalPort));
        actions.Add(Log("info", "IKE SA established", ("peer", Peer), ("id", IdText(id)), ("auth", "rsa-signature"),
            ("certificate", verdict.CertificateSubject), ("serial", verdict.CertificateSerial), ("proposal", Chosen),
            ("nat_t", NatT), ("initial_contact", initialContact)));
        if (initialContact) actions.Add(new IkeInitialContact(Cookies.Initiator, Peer.Address, id.Data));
    }
}
