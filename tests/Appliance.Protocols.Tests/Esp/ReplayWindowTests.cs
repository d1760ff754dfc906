using Appliance.Protocols.Esp;

namespace Appliance.Protocols.Tests.Esp;

// RFC 4303 §3.4.3 anti-replay window, kept as a ring of 64-bit words (RFC 6479).
public class ReplayWindowTests
{
    [Fact]
    public void In_order_sequence_numbers_are_new_once_and_replayed_after()
    {
        var window = new ReplayWindow();
        for (uint n = 1; n <= 300; n++)
        {
            Assert.Equal(ReplayCheckResult.New, window.Check(n));
            Assert.True(window.Accept(n));
            Assert.Equal(ReplayCheckResult.Replayed, window.Check(n));
            Assert.Equal(n, window.Highest);
        }
    }

    [Fact]
    public void Out_of_order_within_the_window_is_accepted_once()
    {
        var window = new ReplayWindow(64);
        Assert.True(window.Accept(70));
        foreach (uint n in new uint[] { 69, 7, 50, 64, 65, 63 })
        {
            Assert.Equal(ReplayCheckResult.New, window.Check(n));
            Assert.True(window.Accept(n));
        }

        foreach (uint n in new uint[] { 70, 69, 7, 50, 64, 65, 63 })
        {
            Assert.Equal(ReplayCheckResult.Replayed, window.Check(n));
            Assert.False(window.Accept(n));
        }

        Assert.Equal(70u, window.Highest);
        Assert.Equal(ReplayCheckResult.New, window.Check(8));
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(1024)]
    public void Numbers_left_of_the_window_are_too_old(int size)
    {
        var window = new ReplayWindow(size);
        uint top = 5000;
        Assert.True(window.Accept(top));

        // The window holds top - size + 1 .. top (RFC 4303 §3.4.3).
        Assert.Equal(ReplayCheckResult.New, window.Check(top - (uint)size + 1));
        Assert.Equal(ReplayCheckResult.TooOld, window.Check(top - (uint)size));
        Assert.Equal(ReplayCheckResult.TooOld, window.Check(1));
        Assert.False(window.Accept(top - (uint)size));
        Assert.True(window.Accept(top - (uint)size + 1));
    }

    [Fact]
    public void Zero_is_never_accepted()
    {
        var window = new ReplayWindow();
        Assert.Equal(ReplayCheckResult.TooOld, window.Check(0));
        Assert.False(window.Accept(0));
        Assert.Equal(0u, window.Highest);
    }

    [Fact]
    public void A_big_jump_forgets_the_old_window()
    {
        var window = new ReplayWindow(64);
        for (uint n = 1; n <= 64; n++)
        {
            window.Accept(n);
        }

        Assert.True(window.Accept(1_000_000));
        Assert.Equal(1_000_000u, window.Highest);
        Assert.Equal(ReplayCheckResult.TooOld, window.Check(64));
        Assert.Equal(ReplayCheckResult.TooOld, window.Check(1_000_000 - 64));

        // Everything in the new window except the top is unseen, although these numbers share
        // ring words with numbers accepted before the jump.
        for (uint n = 1_000_000 - 63; n < 1_000_000; n++)
        {
            Assert.Equal(ReplayCheckResult.New, window.Check(n));
        }
    }

    [Fact]
    public void Moving_across_ring_words_clears_the_words_it_enters()
    {
        // 64 packets -> a ring of 2 words (128 bits): 129 .. 137 live in the ring word that held 1 .. 9.
        var window = new ReplayWindow(64);
        for (uint n = 1; n <= 64; n++)
        {
            window.Accept(n);
        }

        Assert.True(window.Accept(138));
        for (uint n = 129; n < 138; n++)
        {
            Assert.Equal(ReplayCheckResult.New, window.Check(n));
        }

        // 75 .. 127 are in the window and unseen; 64 and below are too old.
        Assert.Equal(ReplayCheckResult.New, window.Check(75));
        Assert.Equal(ReplayCheckResult.New, window.Check(127));
        Assert.Equal(ReplayCheckResult.New, window.Check(128));
        Assert.Equal(ReplayCheckResult.TooOld, window.Check(74));

        // Step across each word boundary one by one.
        for (uint n = 139; n <= 1000; n++)
        {
            Assert.True(window.Accept(n));
            Assert.Equal(ReplayCheckResult.Replayed, window.Check(n - 1));
            Assert.Equal(ReplayCheckResult.Replayed, window.Check(n - 63 > 138 ? n - 63 : 138));
        }
    }

    [Fact]
    public void Works_up_to_the_last_sequence_number()
    {
        var window = new ReplayWindow(64);
        Assert.True(window.Accept(uint.MaxValue - 100));
        Assert.True(window.Accept(uint.MaxValue));
        Assert.Equal(ReplayCheckResult.Replayed, window.Check(uint.MaxValue));
        Assert.Equal(ReplayCheckResult.New, window.Check(uint.MaxValue - 63));
        Assert.Equal(ReplayCheckResult.TooOld, window.Check(uint.MaxValue - 64));
        Assert.Equal(ReplayCheckResult.TooOld, window.Check(uint.MaxValue - 100));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(1025)]
    [InlineData(-1)]
    public void Size_outside_32_to_1024_is_refused(int size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(size));
    }

    // The ring against the plain definition: a set of accepted numbers and the highest one.
    [Theory]
    [InlineData(32, 1)]
    [InlineData(64, 2)]
    [InlineData(65, 3)]
    [InlineData(100, 4)]
    [InlineData(1024, 5)]
    public void Agrees_with_a_reference_model_on_random_traffic(int size, int seed)
    {
        var random = new Random(seed);
        var window = new ReplayWindow(size);
        var seen = new HashSet<uint>();
        uint top = 0;

        for (int step = 0; step < 50_000; step++)
        {
            uint n = random.Next(10) switch
            {
                < 5 => top + (uint)random.Next(1, 4),                      // in order, small gaps
                < 8 => top - (uint)Math.Min(top, random.Next(0, size + 8)), // late, around the left edge
                8 => (uint)random.Next(0, 3),                               // very old, or zero
                _ => top + (uint)random.Next(1, 5 * size),                  // a jump
            };

            ReplayCheckResult expected = n == 0 || (n <= top && top - n >= (uint)size)
                ? ReplayCheckResult.TooOld
                : n <= top && seen.Contains(n) ? ReplayCheckResult.Replayed : ReplayCheckResult.New;
            Assert.Equal(expected, window.Check(n));

            // Accept only some of the new ones, as if the rest failed the ICV check.
            if (expected == ReplayCheckResult.New && random.Next(4) != 0)
            {
                Assert.True(window.Accept(n));
                seen.Add(n);
                top = Math.Max(top, n);
            }

            Assert.Equal(top, window.Highest);
        }
    }
}
