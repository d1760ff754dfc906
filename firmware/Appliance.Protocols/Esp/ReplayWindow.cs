using System.Numerics;

namespace Appliance.Protocols.Esp;

/// <summary>What the anti-replay window says about a sequence number.</summary>
public enum ReplayCheckResult
{
    /// <summary>Not seen before and inside or ahead of the window: go on to the integrity check.</summary>
    New,

    /// <summary>Inside the window and already received: a duplicate.</summary>
    Replayed,

    /// <summary>Left of the window (or 0, which no sender uses): cannot be told apart from a replay.</summary>
    TooOld,
}

/// <summary>
/// The receiver's anti-replay window of RFC 4303 §3.4.3 for 32-bit sequence numbers (no ESN).
/// <para>
/// The window ends at the highest sequence number that has passed the integrity check and spans
/// <see cref="Size"/> numbers to its left (the bitmap of RFC 4303 §3.4.3 and Appendix A2). The bitmap
/// is kept as a ring of 64-bit words, as RFC 6479 describes: bit (n mod 64) of word
/// (n / 64 mod ring length) records n.
/// Moving the window right clears only the words it enters, so there is no bit shifting of the whole
/// map and the cost of a jump does not grow with the window size. The ring holds one word more than
/// the window needs, so the word of the window's left edge is never the word being cleared.
/// </para>
/// <para>
/// The split into <see cref="Check"/> and <see cref="Accept"/> is the one RFC 4303 §3.4.3 asks for:
/// check before the (costly) ICV verification to drop duplicates cheaply, and update only after the
/// ICV has verified, so forged packets cannot move the window. Not thread-safe.
/// </para>
/// </summary>
public sealed class ReplayWindow
{
    private readonly ulong[] _ring;
    private readonly uint _ringMask;
    private uint _highest;

    /// <summary>Creates an empty window of <paramref name="size"/> packets (32 to 1024).</summary>
    public ReplayWindow(int size = EspSaParameters.DefaultReplayWindowSize)
    {
        if (size is < EspSaParameters.MinReplayWindowSize or > EspSaParameters.MaxReplayWindowSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Replay window must be {EspSaParameters.MinReplayWindowSize}..{EspSaParameters.MaxReplayWindowSize} packets.");
        }

        Size = size;

        // Words the window can touch at once, plus the spare one; a power of two so the ring index
        // is a mask. 64 packets -> 2 words (16 bytes), 1024 -> 32 words (256 bytes).
        uint words = BitOperations.RoundUpToPowerOf2((uint)((size + 63) / 64 + 1));
        _ring = new ulong[words];
        _ringMask = words - 1;
    }

    /// <summary>Window size in packets.</summary>
    public int Size { get; }

    /// <summary>The highest accepted sequence number (the window's right edge); 0 before the first.</summary>
    public uint Highest => _highest;

    /// <summary>Classifies <paramref name="sequenceNumber"/> without changing the window.</summary>
    public ReplayCheckResult Check(uint sequenceNumber)
    {
        if (sequenceNumber == 0)
        {
            // The first packet of an SA carries 1 (RFC 4303 §3.3.3); 0 is never legitimately sent
            // without ESN.
            return ReplayCheckResult.TooOld;
        }

        if (sequenceNumber > _highest)
        {
            return ReplayCheckResult.New;
        }

        if (_highest - sequenceNumber >= (uint)Size)
        {
            return ReplayCheckResult.TooOld;
        }

        ulong word = _ring[(sequenceNumber >> 6) & _ringMask];
        return (word & (1UL << (int)(sequenceNumber & 63))) != 0 ? ReplayCheckResult.Replayed : ReplayCheckResult.New;
    }

    /// <summary>
    /// Records <paramref name="sequenceNumber"/> as received, moving the window right when it is
    /// the new highest. Call only after the packet's ICV verified. Returns <see langword="false"/>
    /// (and changes nothing) when the number is, by now, a replay or too old.
    /// </summary>
    public bool Accept(uint sequenceNumber)
    {
        if (Check(sequenceNumber) != ReplayCheckResult.New)
        {
            return false;
        }

        if (sequenceNumber > _highest)
        {
            uint newWord = sequenceNumber >> 6;
            uint currentWord = _highest >> 6;
            uint entered = newWord - currentWord;
            if (entered > _ringMask + 1)
            {
                entered = _ringMask + 1; // a jump past the whole ring: every word starts empty
            }

            for (uint i = 1; i <= entered; i++)
            {
                _ring[(currentWord + i) & _ringMask] = 0;
            }

            _highest = sequenceNumber;
        }

        _ring[(sequenceNumber >> 6) & _ringMask] |= 1UL << (int)(sequenceNumber & 63);
        return true;
    }
}
