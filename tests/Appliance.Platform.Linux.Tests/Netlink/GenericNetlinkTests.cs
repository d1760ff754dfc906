using Appliance.Platform.Linux.Netlink;

namespace Appliance.Platform.Linux.Tests.Netlink;

/// <summary>Generic netlink's family lookup (linux/genetlink.h): the request byte for byte, the
/// controller's answer read back, and nothing thrown on a cut or bent answer.</summary>
public class GenericNetlinkTests
{
    [Fact]
    public void Getfamily_request_is_nlmsghdr_genlmsghdr_and_the_nul_terminated_name()
    {
        Hex.Equal(
            "20000000 1000 0100 07000000 00000000" + // nlmsghdr: len 32, GENL_ID_CTRL, NLM_F_REQUEST, seq 7, pid 0
            "03 02 0000" +                            // genlmsghdr: CTRL_CMD_GETFAMILY, version 2
            "0900 0200 6c32747000 000000",            // CTRL_ATTR_FAMILY_NAME "l2tp\0", padded to 4
            GenericNetlink.GetFamily("l2tp", 7));
    }

    [Fact]
    public void Long_or_empty_family_names_are_refused()
    {
        Assert.Throws<ArgumentException>(() => GenericNetlink.GetFamily("", 1));
        Assert.Throws<ArgumentException>(() => GenericNetlink.GetFamily("sixteen-chars-xx", 1));
    }

    /// <summary>A CTRL_CMD_NEWFAMILY as the kernel lays it out: name, id, version, hdrsize, maxattr
    /// (the kernel adds operations and groups after them, which the parser skips).</summary>
    internal static byte[] FamilyReply(ushort id, string name = "l2tp", uint version = 1) => Hex.Bytes(
        $"40000000 1000 0000 07000000 00000000" +
        "01 02 0000" +
        "0900 0200 " + Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(name.PadRight(4)[..4])) + "00 000000" +
        $"0600 0100 {id & 0xff:x2}{id >> 8:x2} 0000" +
        $"0800 0300 {version:x2}000000" +
        "0800 0400 00000000" +
        "0800 0500 23000000");

    [Fact]
    public void The_controllers_answer_gives_the_family_id_and_version()
    {
        var message = Assert.Single(NetlinkMessage.Split(FamilyReply(0x1e)));
        Assert.True(GenericNetlink.TryParseFamily(message, out var family));
        Assert.Equal(new GenericNetlinkFamily("l2tp", 0x1e, 1), family);
    }

    [Fact]
    public void An_answer_without_an_id_or_of_another_type_is_not_a_family()
    {
        var reply = FamilyReply(0x1e);
        reply[4] = 0x11; // not GENL_ID_CTRL
        Assert.False(GenericNetlink.TryParseFamily(Assert.Single(NetlinkMessage.Split(reply)), out _));
        var zeroId = FamilyReply(0);
        Assert.False(GenericNetlink.TryParseFamily(Assert.Single(NetlinkMessage.Split(zeroId)), out _));
    }

    [Fact]
    public void Every_cut_answer_parses_to_false_or_a_family_never_an_exception()
    {
        var reply = FamilyReply(0x1e);
        for (int length = 0; length < reply.Length; length++)
        {
            foreach (var message in NetlinkMessage.Split(reply.AsMemory(0, length)))
                _ = GenericNetlink.TryParseFamily(message, out _);
            // The message header still claims the full length: a cut payload must not parse.
            var relabelled = reply[..length];
            if (length >= NetlinkHeader.Size)
                BitConverter.TryWriteBytes(relabelled.AsSpan(0, 4), length);
            foreach (var message in NetlinkMessage.Split(relabelled))
            {
                bool ok = GenericNetlink.TryParseFamily(message, out var family);
                // The id attribute (6 bytes, then padding) ends at byte 38: a shorter message cannot carry it.
                if (length < 38)
                    Assert.False(ok, $"parsed a family from {length} bytes");
                else if (ok)
                    Assert.Equal(0x1e, family!.Id);
            }
        }
    }
}
