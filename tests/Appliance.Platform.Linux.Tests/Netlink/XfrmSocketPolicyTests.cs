using System.Buffers.Binary;
using System.Net;
using Appliance.Platform.Linux.Netlink;

namespace Appliance.Platform.Linux.Tests.Netlink;

/// <summary>The value of setsockopt(IP_XFRM_POLICY) is the same <c>xfrm_userpolicy_info</c> and
/// <c>xfrm_user_tmpl</c> that XFRM_MSG_NEWPOLICY carries (whose bytes the golden tests hold
/// against iproute2's), back to back; what a socket policy cannot express is refused.</summary>
public class XfrmSocketPolicyTests
{
    private static XfrmPolicySpec Guard(uint reqId) => new()
    {
        Selector = XfrmSelector.AnyL2tpIn(), Direction = XfrmPolicyDirection.In, ReqId = reqId,
    };

    [Fact]
    public void A_socket_policy_is_the_new_policy_requests_info_and_template_back_to_back()
    {
        var spec = Guard(reqId: 0x1234);
        byte[] value = XfrmMessages.SocketPolicy(spec);
        byte[] request = XfrmMessages.NewPolicy(spec, sequence: 1);

        Assert.Equal(Xfrm.UserPolicyInfoSize + Xfrm.UserTmplSize, value.Length);
        // nlmsghdr (16), the fixed part, then one attribute: rtattr (4) and the template.
        Assert.Equal(request.AsSpan(16, Xfrm.UserPolicyInfoSize).ToArray(), value.AsSpan(0, Xfrm.UserPolicyInfoSize).ToArray());
        int attribute = 16 + Xfrm.UserPolicyInfoSize;
        Assert.Equal(Xfrm.XFRMA_TMPL, BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(attribute + 2)));
        Assert.Equal(request.AsSpan(attribute + 4, Xfrm.UserTmplSize).ToArray(), value.AsSpan(Xfrm.UserPolicyInfoSize).ToArray());

        // The fields the kernel acts on: inbound, allow, UDP to 1701, ESP transport with the reqid.
        var template = value.AsSpan(Xfrm.UserPolicyInfoSize);
        Assert.Equal(0, value[160]);
        Assert.Equal(0, value[161]);
        Assert.Equal(1701, BinaryPrimitives.ReadUInt16BigEndian(value.AsSpan(32)));
        Assert.Equal(17, value[44]);
        Assert.Equal(50, template[20]);
        Assert.Equal(0x1234u, BinaryPrimitives.ReadUInt32LittleEndian(template[44..]));
        Assert.Equal(0, template[48]);
        Assert.Equal(0, template[50]);
    }

    [Fact]
    public void A_bypass_socket_policy_has_no_template()
    {
        var spec = new XfrmPolicySpec
        {
            Selector = XfrmSelector.AnyL2tpIn(), Direction = XfrmPolicyDirection.In, ReqId = 0, Bypass = true,
        };
        Assert.Equal(Xfrm.UserPolicyInfoSize, XfrmMessages.SocketPolicy(spec).Length);
    }

    [Fact]
    public void Forward_and_marked_policies_cannot_be_socket_policies()
    {
        var forward = new XfrmPolicySpec { Selector = XfrmSelector.AnyL2tpIn(), Direction = XfrmPolicyDirection.Forward, ReqId = 1 };
        Assert.Throws<ArgumentException>(() => XfrmMessages.SocketPolicy(forward));
        var marked = new XfrmPolicySpec
        {
            Selector = XfrmSelector.L2tpToLocal(IPAddress.Parse("198.51.100.7"), IPAddress.Parse("198.51.100.1")),
            Direction = XfrmPolicyDirection.In, ReqId = 1, Mark = new XfrmMark(0x4c320001, 0xffffffff),
        };
        Assert.Throws<ArgumentException>(() => XfrmMessages.SocketPolicy(marked));
    }
}
