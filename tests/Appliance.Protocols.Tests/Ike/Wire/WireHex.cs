namespace Appliance.Protocols.Tests.Ike.Wire;

/// <summary>Hex helpers: golden messages are written as spaced hex, one wire field per chunk.</summary>
internal static class WireHex
{
    public static byte[] Parse(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    public static string Norm(string hex) => Of(Parse(hex));

    public static byte[] Ascii(string text) => System.Text.Encoding.ASCII.GetBytes(text);

    public static byte[] Seq(int length, byte start = 0)
    {
        var result = new byte[length];
        for (int i = 0; i < length; i++)
        {
            result[i] = (byte)(start + i);
        }

        return result;
    }

    /// <summary>One generic payload: next, reserved 0, length = 4 + body, body.</summary>
    public static byte[] RawPayload(byte next, string bodyHex)
    {
        byte[] body = Parse(bodyHex);
        var result = new byte[4 + body.Length];
        result[0] = next;
        result[2] = (byte)(result.Length >> 8);
        result[3] = (byte)result.Length;
        body.CopyTo(result, 4);
        return result;
    }
}
