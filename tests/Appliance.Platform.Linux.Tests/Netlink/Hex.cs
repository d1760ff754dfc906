namespace Appliance.Platform.Linux.Tests.Netlink;

/// <summary>Expected bytes written as spaced hex (one struct field or attribute per group, as the
/// kernel headers lay them out), and a comparison whose failure names the first differing byte.</summary>
internal static class Hex
{
    public static byte[] Bytes(string spaced) => Convert.FromHexString(string.Concat(spaced.Where(c => !char.IsWhiteSpace(c))));

    public static void Equal(string expectedSpaced, byte[] actual)
    {
        var expected = Bytes(expectedSpaced);
        int first = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(expected.AsSpan().SequenceEqual(actual),
            $"first difference at byte {first} (expected {expected.Length} bytes, got {actual.Length})\n" +
            $"expected {Convert.ToHexString(expected).ToLowerInvariant()}\nactual   {Convert.ToHexString(actual).ToLowerInvariant()}");
    }
}
