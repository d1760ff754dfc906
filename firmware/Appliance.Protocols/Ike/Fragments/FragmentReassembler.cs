using System.Net;
using Appliance.Protocols.Ike.Wire;

namespace Appliance.Protocols.Ike.Fragments;

/// <summary>
/// Puts IKEv1 fragments back together, one message at a time per IKE SA (keyed by its cookies),
/// with every resource bounded: fragments per message, bytes per message, messages in progress per
/// source address and in total, bytes buffered in total, and time. Fragment numbers may arrive in
/// any order; an identical repeat is ignored; a different one under the same number means the peer
/// started another message with the same fragment ID (racoon always uses ID 1), so the old pieces
/// go. A second LAST flag or a number past it is inconsistent and discards the message.
/// </summary>
public sealed class FragmentReassembler
{
    /// <summary>A Main Mode 5 with a chain of three 4096-bit certificates in 500-byte pieces
    /// needs about 12.</summary>
    public const int MaxFragments = 32;
    public const int MaxMessageBytes = 16 * 1024;
    public const int MaxInProgressPerSource = 8;
    public const int MaxInProgress = 64;
    /// <summary>Lower than <see cref="MaxInProgress"/> x <see cref="MaxMessageBytes"/>: real messages
    /// are a few KB, only a flood fills every slot to the brim.</summary>
    public const int MaxBufferedBytes = 256 * 1024;
    /// <summary>Pieces of one message arrive together; a client that lost one retransmits all of
    /// them (under a new ID or the same) well within this.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private sealed class Message(IPAddress source, ushort id, DateTimeOffset started)
    {
        public IPAddress Source { get; } = source;
        public ushort Id { get; set; } = id;
        public DateTimeOffset Started { get; set; } = started;
        public Dictionary<byte, byte[]> Pieces { get; } = [];
        public byte? Last { get; set; }
        public int Bytes { get; set; }
    }

    private readonly Dictionary<(ulong, ulong), Message> _messages = [];
    private int _buffered;

    public int InProgress => _messages.Count;
    public int BufferedBytes => _buffered;

    /// <summary>
    /// Adds one fragment of the SA <paramref name="cookies"/> from <paramref name="source"/>.
    /// Returns the whole message once its last missing piece arrived (and forgets it), else null;
    /// <paramref name="dropReason"/> says why a fragment was not kept.
    /// </summary>
    public byte[]? Add((ulong Initiator, ulong Responder) cookies, IPAddress source, FragmentPayload fragment, DateTimeOffset now, out string? dropReason)
    {
        dropReason = null;
        if (fragment.Data.Length == 0) { dropReason = "empty fragment"; return null; }
        if (fragment.Number > MaxFragments) { dropReason = "fragment number over the limit"; return null; }
        if (_messages.TryGetValue(cookies, out var m) && now - m.Started > Timeout) { Forget(cookies); m = null; }
        if (m is not null && m.Id != fragment.FragmentId)
        {
            // A new fragment ID: the peer gave up on the old message (strongSwan counts IDs up).
            Forget(cookies);
            m = null;
        }
        if (m is not null && m.Pieces.TryGetValue(fragment.Number, out var seen))
        {
            if (seen.AsSpan().SequenceEqual(fragment.Data)) { dropReason = "duplicate fragment"; return null; }
            Forget(cookies); // same ID, other content: a new message (racoon reuses ID 1)
            m = null;
        }
        if (m is null)
        {
            if (_messages.Count >= MaxInProgress) { dropReason = "too many fragmented messages in progress"; return null; }
            if (_messages.Values.Count(x => x.Source.Equals(source)) >= MaxInProgressPerSource)
            {
                dropReason = "too many fragmented messages in progress from this address";
                return null;
            }
            m = new Message(source, fragment.FragmentId, now);
            _messages[cookies] = m;
        }
        if (fragment.IsLast)
        {
            if (m.Last is { } last && last != fragment.Number || m.Pieces.Keys.Any(n => n > fragment.Number))
                return Discard(cookies, "inconsistent last fragment", out dropReason);
            m.Last = fragment.Number;
        }
        else if (m.Last is { } last && fragment.Number > last)
            return Discard(cookies, "fragment beyond the last one", out dropReason);
        if (m.Bytes + fragment.Data.Length > MaxMessageBytes)
            return Discard(cookies, "fragmented message over the size limit", out dropReason);
        if (_buffered + fragment.Data.Length > MaxBufferedBytes)
        {
            dropReason = "fragment buffer full";
            if (m.Pieces.Count == 0) Forget(cookies);
            return null;
        }
        m.Pieces[fragment.Number] = fragment.Data;
        m.Bytes += fragment.Data.Length;
        _buffered += fragment.Data.Length;
        if (m.Last is not { } total || m.Pieces.Count != total) return null;

        var whole = new byte[m.Bytes];
        int at = 0;
        for (byte n = 1; n <= total; n++)
        {
            m.Pieces[n].CopyTo(whole, at);
            at += m.Pieces[n].Length;
        }
        Forget(cookies);
        return whole;
    }

    /// <summary>Drops messages not completed within <see cref="Timeout"/>; returns how many.</summary>
    public int Expire(DateTimeOffset now)
    {
        var stale = _messages.Where(kv => now - kv.Value.Started > Timeout).Select(kv => kv.Key).ToList();
        foreach (var key in stale) Forget(key);
        return stale.Count;
    }

    /// <summary>The SA is gone: so are its pieces.</summary>
    public void Forget((ulong, ulong) cookies)
    {
        if (_messages.Remove(cookies, out var m)) _buffered -= m.Bytes;
    }

    private byte[]? Discard((ulong, ulong) cookies, string reason, out string? dropReason)
    {
        Forget(cookies);
        dropReason = reason;
        return null;
    }
}
