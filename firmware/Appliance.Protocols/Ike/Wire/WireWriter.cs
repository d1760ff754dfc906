using System.Buffers.Binary;

namespace Appliance.Protocols.Ike.Wire;

/// <summary>
/// Big-endian writer over a span that was sized beforehand from the exact length arithmetic of
/// each payload. Writing past the end throws (a codec bug, never peer input).
/// </summary>
internal ref struct WireWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public WireWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public void WriteByte(byte value)
    {
        _buffer[_position] = value;
        _position += 1;
    }

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(_position, 2), value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.Slice(_position, 4), value);
        _position += 4;
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.Slice(_position, 8), value);
        _position += 8;
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer.Slice(_position, value.Length));
        _position += value.Length;
    }

    /// <summary>Hands out the next <paramref name="length"/> bytes for a nested writer and skips them.</summary>
    public Span<byte> Take(int length)
    {
        var slice = _buffer.Slice(_position, length);
        _position += length;
        return slice;
    }

    /// <summary>Throws if the precomputed length and the bytes written disagree (a codec bug).</summary>
    public readonly void EnsureFilled(int expected)
    {
        if (_position != expected)
        {
            throw new InvalidOperationException($"Encoder wrote {_position} bytes where its length arithmetic said {expected}.");
        }
    }
}
