namespace Appliance.Platform.Linux.Netlink;

/// <summary>A generic netlink family as the controller reports it (CTRL_CMD_GETFAMILY).</summary>
public sealed record GenericNetlinkFamily(string Name, ushort Id, uint Version);

/// <summary>
/// Generic netlink (linux/genetlink.h): every request is a netlink message whose type is the
/// family's id (assigned at module load, so looked up by name through the controller family,
/// GENL_ID_CTRL) followed by <c>struct genlmsghdr</c> (cmd, version, 2 reserved bytes) and the
/// family's attributes.
/// </summary>
public static class GenericNetlink
{
    /// <summary>The controller family's fixed id.</summary>
    public const ushort GENL_ID_CTRL = 0x10;

    public const int HeaderSize = 4;

    public const byte CTRL_CMD_NEWFAMILY = 1, CTRL_CMD_GETFAMILY = 3;
    public const ushort CTRL_ATTR_FAMILY_ID = 1, CTRL_ATTR_FAMILY_NAME = 2, CTRL_ATTR_VERSION = 3;

    /// <summary>The controller's own version, sent in genlmsghdr.version.</summary>
    public const byte CtrlVersion = 2;

    /// <summary>A request builder with the genlmsghdr filled in; attributes follow.</summary>
    public static NetlinkMessageBuilder Request(ushort familyId, byte command, byte version, ushort flags, uint sequence)
    {
        var b = new NetlinkMessageBuilder(familyId, flags, sequence, HeaderSize);
        b.Fixed[0] = command;
        b.Fixed[1] = version;
        return b;
    }

    /// <summary>CTRL_CMD_GETFAMILY by name: the kernel answers with one CTRL_CMD_NEWFAMILY (no ACK).</summary>
    public static byte[] GetFamily(string name, uint sequence)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        // GENL_NAMSIZ is 16 with the NUL.
        if (name.Length > 15)
            throw new ArgumentException($"a generic netlink family name has at most 15 characters: {name}", nameof(name));
        var b = Request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CtrlVersion, NetlinkHeader.NLM_F_REQUEST, sequence);
        b.AddString(CTRL_ATTR_FAMILY_NAME, name);
        return b.ToArray();
    }

    /// <summary>The genlmsghdr of a message and its attributes; false when it is too short.</summary>
    public static bool TryReadHeader(NetlinkMessage message, out byte command, out byte version, out List<NetlinkAttribute> attributes)
    {
        command = version = 0;
        attributes = [];
        if (message.Payload.Length < HeaderSize)
            return false;
        command = message.Payload.Span[0];
        version = message.Payload.Span[1];
        attributes = NetlinkAttribute.Parse(message.Payload[HeaderSize..]);
        return true;
    }

    /// <summary>Reads the controller's answer to GETFAMILY; false unless it is one and carries a
    /// name and a non-zero id.</summary>
    public static bool TryParseFamily(NetlinkMessage message, out GenericNetlinkFamily? family)
    {
        family = null;
        if (message.Header.Type != GENL_ID_CTRL || !TryReadHeader(message, out byte command, out _, out var attributes))
            return false;
        if (command != CTRL_CMD_NEWFAMILY)
            return false;
        if (!attributes.TryFind(CTRL_ATTR_FAMILY_ID, out var idAttribute) || !idAttribute.TryReadU16(out ushort id) || id == 0)
            return false;
        if (!attributes.TryFind(CTRL_ATTR_FAMILY_NAME, out var nameAttribute))
            return false;
        uint version = attributes.TryFind(CTRL_ATTR_VERSION, out var v) && v.TryReadU32(out uint value) ? value : 0;
        family = new GenericNetlinkFamily(nameAttribute.ReadString(), id, version);
        return true;
    }

    /// <summary>Looks a family up by name. ENOENT when the kernel has no such family (its module is
    /// not loaded and could not be autoloaded).</summary>
    public static GenericNetlinkFamily ResolveFamily(NetlinkSocket socket, string name)
    {
        ArgumentNullException.ThrowIfNull(socket);
        string operation = $"CTRL_CMD_GETFAMILY({name})";
        var reply = socket.Transact(seq => GetFamily(name, seq), operation, expectReply: true)!.Value;
        if (!TryParseFamily(reply, out var family) || family is null)
            throw new NetlinkException(operation, Errno.EBADMSG, "reply without a family id");
        if (family.Name != name)
            throw new NetlinkException(operation, Errno.EBADMSG, $"reply names family {family.Name}");
        return family;
    }
}
