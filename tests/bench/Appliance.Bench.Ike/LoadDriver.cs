using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Bench.Ike;

/// <summary>
/// Keeps <c>inFlight</c> exchanges running against one responder. Every exchange is its own peer:
/// a fresh UDP socket bound to the next of the driver's addresses (round robin) on a kernel-chosen
/// port, so the responder sees a distinct (address, port) each time, as it would from many
/// clients. A request unanswered for the retransmit timeout is sent again (the timeout doubling,
/// as IKEv1 clients do) up to <c>tries</c> times; then the exchange counts as timed out.
/// </summary>
internal sealed class LoadDriver(ExchangeProfile profile, IReadOnlyList<IPAddress> sources, DriverTiming timing)
{
    private readonly IPEndPoint _responder = new(profile.Responder, 500);
    private long _nextSource;
    private long _claimed;
    private long _completed;
    private long _failed;
    private long _retransmits;
    private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(long EndTicks, double Milliseconds)> _latencies = new();

    public long Completed => Interlocked.Read(ref _completed);
    public long Failed => Interlocked.Read(ref _failed);
    public long Retransmits => Interlocked.Read(ref _retransmits);
    public IReadOnlyDictionary<string, long> Failures => _failures;

    /// <summary>Send an ISAKMP Delete <see cref="DriverTiming.DeleteDelay"/> after each Quick Mode
    /// (a client disconnecting), so the responder holds about rate x delay SAs; false keeps every
    /// SA (memory measurement).</summary>
    public bool DeleteWhenDone { get; set; } = true;

    private readonly List<Task> _pendingDeletes = [];

    /// <summary>Runs exchanges on <paramref name="inFlight"/> slots until <paramref name="stop"/>
    /// fires or, with <paramref name="limit"/>, until that many have completed.</summary>
    public async Task RunAsync(int inFlight, long? limit, CancellationToken stop)
    {
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(() => SlotAsync(limit, stop), CancellationToken.None)));
        Task[] deletes;
        lock (_pendingDeletes) deletes = [.. _pendingDeletes];
        await Task.WhenAll(deletes);
    }

    /// <summary>Latencies (ms, MM1 sent to QM3 sent) of exchanges that completed between two Stopwatch timestamps.</summary>
    public List<double> LatenciesBetween(long startTicks, long endTicks) =>
        [.. _latencies.Where(l => l.EndTicks >= startTicks && l.EndTicks < endTicks).Select(l => l.Milliseconds)];

    private async Task SlotAsync(long? limit, CancellationToken stop)
    {
        var buffer = new byte[65536];
        while (!stop.IsCancellationRequested)
        {
            if (limit is { } n)
            {
                // Claim one of the n handshakes; failed ones are given back so n really complete.
                if (Interlocked.Increment(ref _claimed) - Interlocked.Read(ref _failed) > n)
                {
                    Interlocked.Decrement(ref _claimed);
                    return;
                }
            }
            try { await OneExchangeAsync(buffer, stop); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
        }
    }

    private async Task OneExchangeAsync(byte[] buffer, CancellationToken stop)
    {
        IPAddress self = sources[(int)(Interlocked.Increment(ref _nextSource) % sources.Count)];
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        bool handedOver = false;
        try
        {
            socket.Bind(new IPEndPoint(self, 0));
            socket.Connect(_responder);
            handedOver = await ExchangeAsync(socket, self, buffer, stop);
        }
        finally
        {
            if (!handedOver) socket.Dispose();
        }
    }

    /// <summary>Runs one exchange on <paramref name="socket"/>; true when the socket was handed
    /// to a delayed Delete (which closes it).</summary>
    private async Task<bool> ExchangeAsync(Socket socket, IPAddress self, byte[] buffer, CancellationToken stop)
    {
        using var exchange = new InitiatorExchange(profile, self);
        long started = Stopwatch.GetTimestamp();
        byte[] request = exchange.Start();
        await socket.SendAsync(request, SocketFlags.None, stop);
        int tries = 1;
        TimeSpan timeout = timing.RetransmitTimeout;
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            long left = deadline - Stopwatch.GetTimestamp();
            int received = -1;
            if (left > 0)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop);
                wait.CancelAfter(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
                try { received = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token); }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested) { }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    // ICMP port unreachable for an earlier send: the responder is not (yet) listening.
                    await Task.Delay(10, stop);
                    continue;
                }
            }
            if (received < 0)
            {
                if (tries >= timing.Tries)
                {
                    Count("timeout");
                    return false;
                }
                tries++;
                Interlocked.Increment(ref _retransmits);
                timeout *= 2;
                deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
                await socket.SendAsync(request, SocketFlags.None, stop);
                continue;
            }
            switch (exchange.Receive(buffer.AsSpan(0, received), out byte[]? next))
            {
                case StepResult.Ignored:
                    continue;
                case StepResult.Next:
                    request = next!;
                    await socket.SendAsync(request, SocketFlags.None, stop);
                    tries = 1;
                    timeout = timing.RetransmitTimeout;
                    deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
                    continue;
                case StepResult.Completed:
                    await socket.SendAsync(next!, SocketFlags.None, stop);
                    long ended = Stopwatch.GetTimestamp();
                    Interlocked.Increment(ref _completed);
                    _latencies.Enqueue((ended, Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds));
                    if (!DeleteWhenDone) return false;
                    Task delete = DeleteLaterAsync(socket, exchange.DeleteIkeSa(), stop);
                    lock (_pendingDeletes)
                    {
                        _pendingDeletes.RemoveAll(t => t.IsCompleted);
                        _pendingDeletes.Add(delete);
                    }
                    return true;
                case StepResult.Failed:
                    Count(exchange.Failure);
                    return false;
            }
        }
    }

    /// <summary>
    /// The Delete goes out a while after QM3, not right behind it: a multi-threaded responder
    /// (charon) may otherwise take the Delete before QM3 and never install (or try to install) the
    /// Quick Mode SA, which would spare it part of the work being measured.
    /// </summary>
    private async Task DeleteLaterAsync(Socket socket, byte[] delete, CancellationToken stop)
    {
        try
        {
            try { await Task.Delay(timing.DeleteDelay, stop); }
            catch (OperationCanceledException) { }
            await socket.SendAsync(delete, SocketFlags.None, CancellationToken.None);
        }
        catch (SocketException) { }
        finally { socket.Dispose(); }
    }

    private void Count(string reason)
    {
        Interlocked.Increment(ref _failed);
        _failures.AddOrUpdate(reason, 1, (_, v) => v + 1);
    }
}

/// <summary>Retransmission (first timeout, doubled each time, and how many sends in all) and how
/// long after QM3 the Delete follows.</summary>
internal sealed record DriverTiming(TimeSpan RetransmitTimeout, int Tries, TimeSpan DeleteDelay);
