using System.Security.Cryptography;
using System.Text;

namespace Appliance.Protocols.Ppp;

/// <summary>
/// PAP as authenticator (RFC 1334 §2): the peer sends name and password in clear and we answer
/// Authenticate-Ack or -Nak. Only offered when the options allow it. One attempt, as for CHAP.
/// </summary>
internal sealed class PapAuthenticator(IPppAuthority authority) : Authenticator
{
    private const byte CodeRequest = 1;
    private const byte CodeAck = 2;
    private const byte CodeNak = 3;

    private byte _answeredIdentifier;
    private byte[]? _ackData;

    public override ushort Protocol => PppProtocol.Pap;
    public override PppAuthenticationMethod Method => PppAuthenticationMethod.Pap;

    /// <summary>The peer speaks first in PAP; nothing to send.</summary>
    public override void Start(DateTimeOffset now, PppOutput output)
    {
    }

    public override AuthenticationVerdict? Receive(ControlPacket packet, DateTimeOffset now, PppOutput output)
    {
        if (packet.Code != CodeRequest)
        {
            output.Drop("PAP packet other than Authenticate-Request");
            return null;
        }
        if (Done)
        {
            // RFC 1334 §2.2.2: a repeated request means our Ack was lost.
            if (_ackData is not null && packet.Identifier == _answeredIdentifier) output.SendControl(Protocol, CodeAck, packet.Identifier, _ackData);
            else output.Drop("PAP request after the verdict");
            return null;
        }

        var data = packet.Data;
        if (data.Length < 1 || data.Length < 2 + data[0] || data.Length < 2 + data[0] + data[1 + data[0]])
        {
            output.Drop("PAP request malformed");
            return null;
        }
        var rawName = data.Slice(1, data[0]);
        var password = data.Slice(2 + data[0], data[1 + data[0]]);

        Done = true;
        _answeredIdentifier = packet.Identifier;
        var verdict = Verify(rawName, password);
        if (verdict.Succeeded)
        {
            _ackData = Message("Access granted");
            output.SendControl(Protocol, CodeAck, packet.Identifier, _ackData);
        }
        else
        {
            output.SendControl(Protocol, CodeNak, packet.Identifier, Message("Authentication failed"));
        }
        return verdict;
    }

    private AuthenticationVerdict Verify(ReadOnlySpan<byte> rawName, ReadOnlySpan<byte> password)
    {
        if (!PeerUserName.TryDecode(rawName, out string userName, out string problem))
            return new AuthenticationVerdict(false, PeerUserName.ForLog(rawName), problem);
        var secret = authority.FindUser(userName);
        if (secret is null) return new AuthenticationVerdict(false, userName, "unknown user");
        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> received = stackalloc byte[SHA256.HashSizeInBytes];
        try
        {
            if (!secret.Enabled) return new AuthenticationVerdict(false, userName, "user disabled");
            if (secret.Password is null)
                return new AuthenticationVerdict(false, userName, "PAP needs the clear password, which is not kept for this user");
            // Comparing digests keeps the comparison constant-time whatever the two lengths are.
            SHA256.HashData(secret.Password, expected);
            SHA256.HashData(password, received);
            return CryptographicOperations.FixedTimeEquals(expected, received)
                ? new AuthenticationVerdict(true, userName, string.Empty)
                : new AuthenticationVerdict(false, userName, "wrong password");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(expected);
            CryptographicOperations.ZeroMemory(received);
            secret.Wipe();
        }
    }

    private static byte[] Message(string text)
    {
        byte[] message = Encoding.ASCII.GetBytes(text);
        var data = new byte[1 + message.Length];
        data[0] = (byte)message.Length;
        message.CopyTo(data, 1);
        return data;
    }
}
