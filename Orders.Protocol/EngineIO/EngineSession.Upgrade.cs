using System.Net.WebSockets;
using Orders.Protocol.EngineIO.Transports.WebSockets;

namespace Orders.Protocol.EngineIO;

/// <summary>The polling-to-WebSocket upgrade: probe, then switch the queue's transport.</summary>
public sealed partial class EngineSession
{
    internal bool TryBeginUpgrade()
    {
        TaskCompletionSource? wake;
        lock (_queue)
        {
            if (_state != SessionState.Open || _transport != TransportKind.Polling || _upgrade != UpgradeState.None) return false;
            _upgrade = UpgradeState.Probing;
            UpgradeDeadline = _server.Now + _server.UpgradeTimeoutTicks;
            wake = _pendingPoll;
            _pendingPoll = null;
        }

        // The client pauses polling during the probe: release its pending GET (answered with a noop).
        wake?.TrySetResult();
        return true;
    }

    /// <summary>Why <see cref="TryBeginUpgrade"/> refuses this session now, named as engine.io's debug log names it.</summary>
    internal string UpgradeRefusal
    {
        get
        {
            lock (_queue)
            {
                if (_state != SessionState.Open) return "session closing";
                if (_upgrade == UpgradeState.Done) return "transport had already been upgraded";
                if (_upgrade == UpgradeState.Probing) return "transport has already been trying to upgrade";
                return _transport == TransportKind.WebSocket ? "transport is websocket already" : "upgrade refused";
            }
        }
    }

    internal bool CompleteUpgrade(WebSocket socket, ConnectionStream? frames)
    {
        TaskCompletionSource? wake;
        bool startDrain;
        lock (_queue)
        {
            if (_state != SessionState.Open || _upgrade != UpgradeState.Probing) return false;
            _upgrade = UpgradeState.Done;
            _transport = TransportKind.WebSocket;
            _webSocket = socket;
            _frames = frames;
            wake = _pendingPoll;
            _pendingPoll = null;
            _pollEnding = PollEnding.Noop;
            startDrain = _queue.Count > 0 && !_draining;
            if (startDrain) _draining = true;
        }

        wake?.TrySetResult();
        _server.OnUpgraded(this);
        if (startDrain) _ = DrainWebSocketAsync();
        return true;
    }

    internal void AbandonUpgrade()
    {
        lock (_queue)
        {
            if (_upgrade == UpgradeState.Probing) _upgrade = UpgradeState.None;
        }
    }

    /// <summary><paramref name="frames"/>: the connection under <paramref name="socket"/>, when prebuilt frames may be written to it.</summary>
    internal void AttachWebSocket(WebSocket socket, ConnectionStream? frames = null)
    {
        lock (_queue)
        {
            _webSocket = socket;
            _frames = frames;
        }
    }
}
