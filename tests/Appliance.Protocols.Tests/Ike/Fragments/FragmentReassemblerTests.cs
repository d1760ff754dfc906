using System.Net;
using Appliance.Protocols.Ike.Fragments;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Tests.Ike.Fragments;

/// <summary>The reassembler's bounds across SAs, which the responder tests reach only slowly.</summary>
public class FragmentReassemblerTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static IPAddress Source(int i) => new([10, 0, (byte)(i >> 8), (byte)i]);

    [Fact]
    public void Pieces_in_any_order_give_the_message_in_number_order()
    {
        var r = new FragmentReassembler();
        var order = new byte[] { 4, 2, 5, 1, 3 };
        byte[]? whole = null;
        foreach (byte n in order)
        {
            Assert.Null(whole);
            whole = r.Add((1, 2), Source(1), new FragmentPayload(7, n, n == 5 ? (byte)1 : (byte)0, [n, n]), T0, out var drop);
            Assert.Null(drop);
        }
        Assert.Equal(new byte[] { 1, 1, 2, 2, 3, 3, 4, 4, 5, 5 }, whole);
        Assert.Equal(0, r.InProgress);
        Assert.Equal(0, r.BufferedBytes);
    }

    [Fact]
    public void Messages_in_progress_are_bounded_in_total()
    {
        var r = new FragmentReassembler();
        for (int i = 0; i < FragmentReassembler.MaxInProgress; i++)
        {
            r.Add(((ulong)i + 1, 1), Source(i), new FragmentPayload(1, 1, 0, [1]), T0, out var drop);
            Assert.Null(drop);
        }
        r.Add((999, 1), Source(999), new FragmentPayload(1, 1, 0, [1]), T0, out var refused);
        Assert.Equal("too many fragmented messages in progress", refused);
        Assert.Equal(FragmentReassembler.MaxInProgress, r.InProgress);
        Assert.Equal(FragmentReassembler.MaxInProgress, r.Expire(T0 + FragmentReassembler.Timeout + TimeSpan.FromTicks(1)));
        Assert.Equal(0, r.InProgress);
    }

    [Fact]
    public void Bytes_buffered_are_bounded_in_total()
    {
        var r = new FragmentReassembler();
        byte[] piece = new byte[8000];
        string? drop = null;
        int kept = 0;
        for (int sa = 0; sa < FragmentReassembler.MaxInProgress && drop is null; sa++)
            for (byte n = 1; n <= 2 && drop is null; n++)
            {
                r.Add(((ulong)sa + 1, 1), Source(sa), new FragmentPayload(1, n, 0, piece), T0, out drop);
                if (drop is null) kept += piece.Length;
            }
        Assert.Equal("fragment buffer full", drop);
        Assert.True(r.BufferedBytes <= FragmentReassembler.MaxBufferedBytes);
        Assert.Equal(kept, r.BufferedBytes);
        // Forgetting an SA gives its bytes back.
        r.Forget((1, 1));
        Assert.Equal(kept - 2 * piece.Length, r.BufferedBytes);
    }
}
