using Appliance.Protocols.Crypto;

namespace Appliance.Protocols.Tests.Crypto;

public class DiffieHellmanGroupsTests
{
    // Lengths: RFC 2409 §6.2 / RFC 3526 prime sizes; RFC 5903 §7 (2 x 32 and 2 x 48 bytes).
    [Theory]
    [InlineData(2, 128, 128)]
    [InlineData(5, 192, 192)]
    [InlineData(14, 256, 256)]
    [InlineData(15, 384, 384)]
    [InlineData(16, 512, 512)]
    [InlineData(19, 64, 32)]
    [InlineData(20, 96, 48)]
    public void Every_supported_group_agrees_with_itself(int group, int publicLength, int secretLength)
    {
        Assert.True(DiffieHellmanGroups.IsSupported(group));
        Assert.Equal(publicLength, DiffieHellmanGroups.GetPublicValueLength(group));
        Assert.Equal(secretLength, DiffieHellmanGroups.GetSharedSecretLength(group));

        using IDiffieHellman a = DiffieHellmanGroups.Create(group);
        using IDiffieHellman b = DiffieHellmanGroups.Create(group);
        Assert.Equal(group, a.Group);
        Assert.Equal(publicLength, a.PublicValue.Length);

        byte[] za = a.DeriveSharedSecret(b.PublicValue);
        byte[] zb = b.DeriveSharedSecret(a.PublicValue);
        Assert.Equal(secretLength, za.Length);
        Assert.Equal(za, zb);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(21)]
    [InlineData(22)]
    [InlineData(24)]
    [InlineData(31)]
    [InlineData(-14)]
    public void Other_groups_are_refused(int group)
    {
        Assert.False(DiffieHellmanGroups.IsSupported(group));
        Assert.Throws<ArgumentOutOfRangeException>(() => DiffieHellmanGroups.Create(group));
        Assert.Throws<ArgumentOutOfRangeException>(() => DiffieHellmanGroups.GetPublicValueLength(group));
        Assert.Throws<ArgumentOutOfRangeException>(() => DiffieHellmanGroups.GetSharedSecretLength(group));
    }

    [Fact]
    public void Supported_list_and_enum_agree()
    {
        Assert.Equal([2, 5, 14, 15, 16, 19, 20], DiffieHellmanGroups.Supported);
        Assert.Equal(
            DiffieHellmanGroups.Supported,
            Enum.GetValues<DiffieHellmanGroup>().Select(g => (int)g).Order());
        using IDiffieHellman ecp = DiffieHellmanGroups.Create(DiffieHellmanGroup.Ecp256);
        Assert.IsType<EcpDiffieHellman>(ecp);
        using IDiffieHellman modp = DiffieHellmanGroups.Create(DiffieHellmanGroup.Modp2048);
        Assert.IsType<LibcryptoModpDiffieHellman>(modp); // libcrypto preferred for the system source
    }

    [Fact]
    public void Cross_type_values_are_rejected()
    {
        using IDiffieHellman modp = DiffieHellmanGroups.Create(14);
        using IDiffieHellman ecp = DiffieHellmanGroups.Create(19);
        Assert.Throws<ArgumentException>(() => modp.DeriveSharedSecret(ecp.PublicValue));
        Assert.Throws<ArgumentException>(() => ecp.DeriveSharedSecret(modp.PublicValue));
    }

    [Fact]
    public void Injected_random_source_makes_key_generation_deterministic()
    {
        using IDiffieHellman a = DiffieHellmanGroups.Create(5, new FixedRandomSource(0x5A));
        using IDiffieHellman b = DiffieHellmanGroups.Create(5, new FixedRandomSource(0x5A));
        Assert.Equal(a.PublicValue.ToArray(), b.PublicValue.ToArray());
        Assert.Throws<ArgumentNullException>(() => DiffieHellmanGroups.Create(14, null!));
    }
}
