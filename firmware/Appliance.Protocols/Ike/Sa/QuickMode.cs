using Appliance.Protocols.Crypto;
using Appliance.Protocols.Ike.Policy;

namespace Appliance.Protocols.Ike.Sa;

/// <summary>The state of one Quick Mode exchange (one message ID) between its messages 1 and 3.</summary>
internal sealed class QuickMode(uint messageId, byte[] iv) : IDisposable
{
    public uint MessageId { get; } = messageId;
    public byte[] Iv = iv;
    public byte[] NonceI = [];
    public byte[] NonceR = [];
    public uint InboundSpi;
    public uint OutboundSpi;
    public EspProposal? Proposal;
    public byte[]? PfsSecret;
    public uint LifetimeSeconds;
    public System.Net.IPAddress? PeerOriginalAddress;
    public bool Done;
    /// <summary>SHA-256 of the QM1 datagram and our QM2, to answer a retransmitted QM1.</summary>
    public byte[]? FirstRequestHash;
    public byte[]? Reply;

    public void Dispose()
    {
        if (PfsSecret is not null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(PfsSecret);
    }
}
