using System.Collections.Concurrent;

namespace Orders.Protocol.EngineIO.Sending;

/// <summary>
/// The server's <see cref="SendBatch"/>es, each with its own ring, kept between uses: a ring costs a system call
/// and two mappings to set up. Rents nothing (callers then send one by one) when batching is off or io_uring is
/// unavailable, and stops renting if a ring ever fails. With coalescing on, its <see cref="Pump"/> makes the
/// WebSocket writes of every session served at the connection.
/// </summary>
internal sealed class SendBatchPool : IDisposable
{
    private const int MaxKept = 16;

    private readonly ConcurrentBag<SendBatch> _idle = [];
    private volatile bool _enabled;

    public SendBatchPool(bool enabled, bool coalesce = false)
    {
        if (!enabled) return;
        var first = IoUringRing.TryCreate();
        if (first is null) return;
        _idle.Add(new SendBatch(this, first));
        _enabled = true;
        if (coalesce) Pump = new SendPump(this);
    }

    /// <summary>Whether sends are batched through io_uring.</summary>
    public bool Enabled => _enabled;

    /// <summary>The pump that writes sessions' frames (see <see cref="IOOptions.CoalesceSends"/>), or null.</summary>
    public SendPump? Pump { get; }

    /// <summary>A batch to add frames to and dispose when done, or null to send each frame at once.</summary>
    public SendBatch? Rent()
    {
        if (!_enabled) return null;
        if (_idle.TryTake(out var batch)) return batch;
        var ring = IoUringRing.TryCreate();
        return ring is null ? null : new SendBatch(this, ring);
    }

    internal void Return(SendBatch batch)
    {
        if (_enabled && batch.IsUsable && _idle.Count < MaxKept)
        {
            _idle.Add(batch);
        }
        else
        {
            batch.DisposeRing();
        }
    }

    internal void OnRingFailed() => _enabled = false;

    public void Dispose()
    {
        _enabled = false;
        while (_idle.TryTake(out var batch)) batch.DisposeRing();
    }
}
