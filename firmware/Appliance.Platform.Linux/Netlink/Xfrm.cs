namespace Appliance.Platform.Linux.Netlink;

/// <summary>Numbers from linux/xfrm.h and linux/in.h that the XFRM adapter uses.</summary>
public static class Xfrm
{
    // Message types (XFRM_MSG_BASE = 0x10).
    public const ushort XFRM_MSG_NEWSA = 0x10, XFRM_MSG_DELSA = 0x11, XFRM_MSG_GETSA = 0x12;
    public const ushort XFRM_MSG_NEWPOLICY = 0x13, XFRM_MSG_DELPOLICY = 0x14, XFRM_MSG_GETPOLICY = 0x15;
    public const ushort XFRM_MSG_EXPIRE = 0x18, XFRM_MSG_UPDSA = 0x1a;

    // Attributes (enum xfrm_attr_type_t).
    public const ushort XFRMA_ALG_AUTH = 1, XFRMA_ALG_CRYPT = 2, XFRMA_ENCAP = 4, XFRMA_TMPL = 5;
    public const ushort XFRMA_LTIME_VAL = 9, XFRMA_SRCADDR = 13, XFRMA_ALG_AEAD = 18;
    public const ushort XFRMA_ALG_AUTH_TRUNC = 20, XFRMA_MARK = 21, XFRMA_OFFLOAD_DEV = 28;
    public const ushort XFRMA_SET_MARK = 29, XFRMA_SET_MARK_MASK = 30;

    // Policy actions (xfrm_userpolicy_info.action).
    public const byte XFRM_POLICY_ALLOW = 0, XFRM_POLICY_BLOCK = 1;

    // Multicast groups (enum xfrm_nlgroups).
    public const uint XFRMNLGRP_ACQUIRE = 1, XFRMNLGRP_EXPIRE = 2, XFRMNLGRP_SA = 3, XFRMNLGRP_POLICY = 4;

    // IP protocols.
    public const byte IPPROTO_UDP = 17, IPPROTO_ESP = 50, IPPROTO_AH = 51;

    public const ushort AF_INET = 2;

    /// <summary>XFRM_INF: "no limit" for byte and packet lifetimes.</summary>
    public const ulong Infinite = ulong.MaxValue;

    /// <summary>UDP_ENCAP_ESPINUDP (RFC 3948 ESP-in-UDP with the non-ESP marker for IKE).</summary>
    public const ushort UDP_ENCAP_ESPINUDP = 2;

    // Struct sizes on 64-bit Linux (x86_64 and arm64 agree).
    public const int SelectorSize = 56, IdSize = 24, LifetimeCfgSize = 64, LifetimeCurSize = 32;
    public const int UserSaInfoSize = 224, UserSaIdSize = 24, UserPolicyInfoSize = 168;
    public const int UserPolicyIdSize = 64, UserTmplSize = 64, UserExpireSize = 232;
    public const int AlgoHeaderSize = 68, AlgoAuthHeaderSize = 72, AlgoAeadHeaderSize = 72;
    public const int EncapTmplSize = 24, UserOffloadSize = 8, AddressSize = 16, AlgoNameSize = 64, MarkSize = 8;

    /// <summary>Readable name of a message type, for errors and logs.</summary>
    public static string MessageName(ushort type) => type switch
    {
        XFRM_MSG_NEWSA => "XFRM_MSG_NEWSA",
        XFRM_MSG_DELSA => "XFRM_MSG_DELSA",
        XFRM_MSG_GETSA => "XFRM_MSG_GETSA",
        XFRM_MSG_NEWPOLICY => "XFRM_MSG_NEWPOLICY",
        XFRM_MSG_DELPOLICY => "XFRM_MSG_DELPOLICY",
        XFRM_MSG_GETPOLICY => "XFRM_MSG_GETPOLICY",
        XFRM_MSG_EXPIRE => "XFRM_MSG_EXPIRE",
        XFRM_MSG_UPDSA => "XFRM_MSG_UPDSA",
        _ => $"XFRM message 0x{type:x2}",
    };
}

/// <summary>XFRM mode (XFRM_MODE_*).</summary>
public enum XfrmMode : byte
{
    Transport = 0,
    Tunnel = 1,
}

/// <summary>Policy direction (XFRM_POLICY_IN/OUT/FWD).</summary>
public enum XfrmPolicyDirection : byte
{
    In = 0,
    Out = 1,
    Forward = 2,
}

/// <summary>xfrm_user_offload flags.</summary>
[Flags]
public enum XfrmOffloadFlags : byte
{
    None = 0,
    Ipv6 = 1,
    Inbound = 2,
    /// <summary>Full packet offload (the NIC does the whole ESP datapath), not only crypto.</summary>
    Packet = 4,
}
