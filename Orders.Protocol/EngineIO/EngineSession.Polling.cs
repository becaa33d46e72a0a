using Orders.Protocol.EngineIO.Transports.Polling;

namespace Orders.Protocol.EngineIO;

/// <summary>The long-polling side of a session: one GET and one POST at a time.</summary>
public sealed partial class EngineSession
{
    /// <summary>Starts a GET. Returns null to wait, or the outcome when the request must be refused.</summary>
    internal PollStart BeginPoll(out Task? wait)
    {
        wait = null;
        TaskCompletionSource? first = null;
        lock (_queue)
        {
            if (_state == SessionState.Closed) return PollStart.UnknownSession;
            if (_transport != TransportKind.Polling) return PollStart.BadRequest;
            if (_pollActive)
            {
                first = _pendingPoll;
                _pendingPoll = null;
                _pollEnding = PollEnding.CloseFrame;
            }
            else
            {
                _pollActive = true;
                if (_queue.Count == 0 && _state == SessionState.Open && _upgrade != UpgradeState.Probing)
                {
                    _pendingPoll = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _pendingPoll.Task;
                }

                return PollStart.Ready;
            }
        }

        // A second concurrent GET: the first one is answered with a close packet and the session ends.
        first?.TrySetResult();
        Terminate(EngineCloseReason.TransportError);
        return PollStart.Overlap;
    }

    /// <summary>Takes what a finished GET answers with.</summary>
    internal List<OutgoingFrame> EndPoll(out bool finished)
    {
        var frames = new List<OutgoingFrame>();
        finished = false;
        lock (_queue)
        {
            _pollActive = false;
            _pendingPoll = null;
            if (_pollEnding == PollEnding.CloseFrame)
            {
                frames.Add(OutgoingFrame.CloseFrame);
            }
            else if (_transport == TransportKind.WebSocket || _pollEnding == PollEnding.Noop)
            {
                // Upgraded or closed by the client: this GET only needs a clean end.
                frames.Add(OutgoingFrame.Noop);
            }
            else
            {
                // A closing session's last messages and its close packet go in separate responses, as Node's engine.io
                // sends them: socket.io-client hands events to its listeners a tick later but acts on a close packet at
                // once, so in one payload the events would come after its disconnect (buffered until it reconnects,
                // where recovery replays them too).
                while (_queue.TryPeek(out var f) && !(frames.Count > 0 && f == OutgoingFrame.CloseFrame)) frames.Add(_queue.Dequeue());
                if (frames.Count == 0) frames.Add(_state == SessionState.Closed ? OutgoingFrame.CloseFrame : OutgoingFrame.Noop);
                finished = _state == SessionState.Closing && frames[^1] == OutgoingFrame.CloseFrame;
            }
        }

        return frames;
    }

    internal void AbortPoll()
    {
        lock (_queue)
        {
            _pollActive = false;
            _pendingPoll = null;
        }

        Terminate(EngineCloseReason.TransportError);
    }

    internal bool TryBeginPost()
    {
        lock (_queue)
        {
            if (_postActive) return false;
            _postActive = true;
            return true;
        }
    }

    internal void EndPost()
    {
        lock (_queue) _postActive = false;
    }

    /// <summary>The client sent a close packet: a pending GET is released with a noop, then the session ends.</summary>
    internal void OnClientClose()
    {
        TaskCompletionSource? wake;
        lock (_queue)
        {
            _pollEnding = PollEnding.Noop;
            wake = _pendingPoll;
            _pendingPoll = null;
        }

        wake?.TrySetResult();
        Terminate(EngineCloseReason.TransportClose);
    }
}
