using System.Buffers.Binary;
using System.Net;
using Appliance.Host.Daemon.Esp;
using Appliance.Platform.Linux.Esp;
using Appliance.Protocols.Esp;
using Appliance.Protocols.Ike.Policy;
using Appliance.Protocols.Ike.Sa;

namespace Appliance.Host.Tests.Esp;

/// <summary>The userspace datapath both ways: what the box encapsulates for a client, the
/// client's mirror-image SA decrypts to the same L2TP bytes from port 1701, and the other way.</summary>
public class UserspaceEspDatapathTests
{
    private static readonly IPEndPoint Box = new(IPAddress.Parse("203.0.113.1"), 4500);
    private static readonly IPEndPoint NatA = new(IPAddress.Parse("198.51.100.7"), 40001);
    private static readonly IPEndPoint NatB = new(IPAddress.Parse("198.51.100.7"), 40002);

    private static ChildSaKeys Keys(IPEndPoint peer, IPEndPoint local, uint spiIn, uint spiOut, byte seed, bool mirror)
    {
        var t = EspTransform.AesCbc128HmacSha1_96;
        byte[] K(int n, byte s) => Enumerable.Range(0, n).Select(i => (byte)(i * 7 + s)).ToArray();
        byte[] e1 = K(16, seed), i1 = K(20, (byte)(seed + 1)), e2 = K(16, (byte)(seed + 2)), i2 = K(20, (byte)(seed + 3));
        return mirror
            ? new ChildSaKeys(1, peer, local, true, null, spiOut, spiIn, new EspProposal(t, 4, 3600, null, null), e2, i2, e1, i1, 3600)
            : new ChildSaKeys(1, peer, local, true, null, spiIn, spiOut, new EspProposal(t, 4, 3600, null, null), e1, i1, e2, i2, 3600);
    }

    [Fact]
    public void Two_clients_behind_one_nat_get_their_own_carriers_and_replies_reach_the_right_one()
    {
        using var box = new UserspaceEspDatapath();
        using var clientA = new UserspaceEspDatapath();
        using var clientB = new UserspaceEspDatapath();
        box.Install(Keys(NatA, Box, 0x1000, 0x2000, 1, mirror: false));
        box.Install(Keys(NatB, Box, 0x3000, 0x4000, 9, mirror: false));
        // The clients' view: their inbound SA is the box's outbound one and the other way round.
        clientA.Install(Keys(Box, NatA, 0x1000, 0x2000, 1, mirror: true));
        clientB.Install(Keys(Box, NatB, 0x3000, 0x4000, 9, mirror: true));
        uint a = box.CarrierOf(NatA)!.Value, b = box.CarrierOf(NatB)!.Value;
        Assert.NotEqual(a, b);

        var gotA = new List<(uint, IPEndPoint, byte[])>();
        clientA.L2tpReceived = (carrier, remote, local, l2tp) => gotA.Add((carrier, remote, l2tp.ToArray()));
        var gotB = new List<byte[]>();
        clientB.L2tpReceived = (_, _, _, l2tp) => gotB.Add(l2tp.ToArray());

        byte[] sccrp = [0xc8, 0x02, 0, 12, 0, 1, 0, 0, 0, 0, 0, 1];
        Assert.True(box.TryEncapsulateL2tp(a, 1701, sccrp, out var packet, out var to, out _, out bool udp));
        Assert.Equal(NatA, to);
        Assert.True(udp);
        Assert.Equal(0x2000u, BinaryPrimitives.ReadUInt32BigEndian(packet));
        clientB.ReceiveEsp(packet, Box); // not B's SPI: dropped, not delivered
        Assert.Empty(gotB);
        clientA.ReceiveEsp(packet, Box);
        var (_, remote, bytes) = Assert.Single(gotA);
        Assert.Equal(1701, remote.Port);
        Assert.Equal(sccrp, bytes);

        // The client's datagram back: the box hands it up with the right carrier and source port.
        var up = new List<(uint Carrier, IPEndPoint Remote)>();
        box.L2tpReceived = (carrier, r, local, l2tp) => { up.Add((carrier, r)); Assert.Equal(1701, local.Port); };
        // The mirror datapath encapsulates from "its" port 1701 to port 1701 of the box.
        Assert.True(clientB.TryEncapsulateL2tp(clientB.CarrierOf(Box)!.Value, 1701, sccrp, out var fromB, out _, out _, out _));
        box.ReceiveEsp(fromB, NatB);
        Assert.Equal((b, 1701), (Assert.Single(up).Carrier, up[0].Remote.Port));
    }

    [Fact]
    public void A_packet_for_a_known_spi_from_another_address_is_dropped()
    {
        using var box = new UserspaceEspDatapath();
        using var client = new UserspaceEspDatapath();
        box.Install(Keys(NatA, Box, 0x1000, 0x2000, 1, mirror: false));
        client.Install(Keys(Box, NatA, 0x1000, 0x2000, 1, mirror: true));
        int delivered = 0;
        box.L2tpReceived = (_, _, _, _) => delivered++;
        Assert.True(client.TryEncapsulateL2tp(client.CarrierOf(Box)!.Value, 1701, [1, 2, 3, 4], out var packet, out _, out _, out _));
        box.ReceiveEsp(packet, new IPEndPoint(IPAddress.Parse("192.0.2.66"), 4500));
        Assert.Equal(0, delivered);
        Assert.Equal(1, box.Counters().Drops["SPI from another address"]);
        box.ReceiveEsp(packet, NatA);
        Assert.Equal(1, delivered);
    }

    [Fact]
    public void Replies_use_the_newest_pair_of_a_rekeyed_client_and_fall_back_when_it_goes()
    {
        using var box = new UserspaceEspDatapath();
        box.Install(Keys(NatA, Box, 0x1000, 0x2000, 1, mirror: false));
        box.Install(Keys(NatA, Box, 0x5000, 0x6000, 5, mirror: false)); // the client rekeyed
        uint carrier = box.CarrierOf(NatA)!.Value;
        Assert.True(box.TryEncapsulateL2tp(carrier, 1701, [1, 2], out var packet, out _, out _, out _));
        Assert.Equal(0x6000u, BinaryPrimitives.ReadUInt32BigEndian(packet));
        Assert.False(box.Remove(0x5000)!.Last);
        Assert.True(box.TryEncapsulateL2tp(carrier, 1701, [1, 2], out packet, out _, out _, out _));
        Assert.Equal(0x2000u, BinaryPrimitives.ReadUInt32BigEndian(packet));
        Assert.True(box.Remove(0x1000)!.Last);
        Assert.Null(box.PeerOf(carrier));
    }

    [Fact]
    public void Nothing_is_sent_for_a_carrier_without_sas()
    {
        using var box = new UserspaceEspDatapath();
        Assert.False(box.TryEncapsulateL2tp(ClientCarriers.Carrier(7), 1701, [1], out _, out _, out _, out _));
        box.Install(Keys(NatA, Box, 0x1000, 0x2000, 1, mirror: false));
        uint carrier = box.CarrierOf(NatA)!.Value;
        box.Remove(0x1000);
        Assert.Null(box.CarrierOf(NatA));
        Assert.False(box.TryEncapsulateL2tp(carrier, 1701, [1], out _, out _, out _, out _));
    }

    [Fact]
    public void Raw_ipv4_packets_are_stripped_to_esp_only_when_whole()
    {
        byte[] ip = new byte[20 + 16];
        ip[0] = 0x45; ip[9] = 50;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
        Assert.True(RawEspSocket.TryStripIpHeader(ip, out var esp));
        Assert.Equal(20..36, esp);
        for (int n = 0; n < ip.Length; n++) Assert.False(RawEspSocket.TryStripIpHeader(ip.AsSpan(0, n), out _));
        ip[9] = 17;
        Assert.False(RawEspSocket.TryStripIpHeader(ip, out _));
        ip[9] = 50; ip[0] = 0x4f; // header longer than the packet
        Assert.False(RawEspSocket.TryStripIpHeader(ip, out _));
    }
}
