using System.Buffers.Binary;
using System.Text;

namespace Appliance.Protocols.L2tp;

/// <summary>
/// Builds one control message: the Message Type AVP first (RFC 2661 §3.2), then the AVPs in the
/// order added. Ns and Nr are left zero: the reliable-delivery layer writes them at each
/// (re)transmission. Values are ours, never a peer's, so an over-long value is a programming
/// error and throws.
/// </summary>
public sealed class L2tpMessageWriter
{
    private byte[] _buffer = new byte[128];
    private int _length = L2tpHeader.ControlHeaderSize;

    public L2tpMessageWriter(L2tpMessageType type) => AddUInt16(L2tpAvpType.MessageType, (ushort)type, mandatory: true);

    public L2tpMessageWriter Add(L2tpAvpType type, ReadOnlySpan<byte> value, bool mandatory)
    {
        if (value.Length > L2tpAvp.MaxValueLength)
            throw new ArgumentException($"AVP value longer than {L2tpAvp.MaxValueLength} bytes.", nameof(value));
        int length = L2tpAvp.HeaderSize + value.Length;
        if (_length + length > ushort.MaxValue) throw new InvalidOperationException("Control message too long.");
        Ensure(length);
        var avp = _buffer.AsSpan(_length, length);
        BinaryPrimitives.WriteUInt16BigEndian(avp, (ushort)((mandatory ? L2tpAvp.MandatoryBit : 0) | length));
        BinaryPrimitives.WriteUInt16BigEndian(avp[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(avp[4..], (ushort)type);
        value.CopyTo(avp[L2tpAvp.HeaderSize..]);
        _length += length;
        return this;
    }

    public L2tpMessageWriter AddUInt16(L2tpAvpType type, ushort value, bool mandatory)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return Add(type, bytes, mandatory);
    }

    public L2tpMessageWriter AddUInt32(L2tpAvpType type, uint value, bool mandatory)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return Add(type, bytes, mandatory);
    }

    public L2tpMessageWriter AddString(L2tpAvpType type, string value, bool mandatory) =>
        Add(type, Encoding.UTF8.GetBytes(value), mandatory);

    /// <summary>
    /// Result Code AVP (§4.4.2): result, then the error code and message when either is given.
    /// The message is cut to keep the AVP within its 1023-byte limit.
    /// </summary>
    public L2tpMessageWriter AddResultCode(ushort result, ushort? error = null, string? message = null)
    {
        byte[] text = message is null ? [] : Encoding.UTF8.GetBytes(message);
        int textLength = Math.Min(text.Length, L2tpAvp.MaxValueLength - 4);
        bool withError = error is not null || textLength > 0;
        var value = new byte[withError ? 4 + textLength : 2];
        BinaryPrimitives.WriteUInt16BigEndian(value, result);
        if (withError)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(2), error ?? 0);
            text.AsSpan(0, textLength).CopyTo(value.AsSpan(4));
        }
        return Add(L2tpAvpType.ResultCode, value, mandatory: true);
    }

    /// <summary>The finished message with its header (Ns = Nr = 0 until the channel sends it).</summary>
    public byte[] ToMessage(ushort tunnelId, ushort sessionId)
    {
        var message = _buffer.AsSpan(0, _length).ToArray();
        L2tpHeader.WriteControl(message, (ushort)_length, tunnelId, sessionId, 0, 0);
        return message;
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
    }
}
