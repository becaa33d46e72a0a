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
                while (_queue.TryDequeue(out var f)) frames.Add(f);
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
