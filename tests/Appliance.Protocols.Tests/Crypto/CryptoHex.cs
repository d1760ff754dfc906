namespace Appliance.Protocols.Tests.Crypto;

/// <summary>Hex helpers so vectors can be pasted in the spaced layout the RFCs print them in.</summary>
internal static class CryptoHex
{
    public static byte[] Parse(string hex) =>
        Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    public static string Norm(string hex) => Convert.ToHexString(Parse(hex));

    public static byte[] Repeat(byte value, int count) => Enumerable.Repeat(value, count).ToArray();

    public static byte[] Ascii(string text) => System.Text.Encoding.ASCII.GetBytes(text);
}
