using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Tests.Crypto;

public class SystemRandomSourceTests
{
    [Fact]
    public void Produces_requested_length_and_fresh_output()
    {
        byte[] a = SystemRandomSource.Instance.GetBytes(32);
        byte[] b = SystemRandomSource.Instance.GetBytes(32);
        Assert.Equal(32, a.Length);
        Assert.NotEqual(a, b);
        Assert.Empty(SystemRandomSource.Instance.GetBytes(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SystemRandomSource.Instance.GetBytes(-1));
    }
}
