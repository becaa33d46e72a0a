using Orders.Protocol.SocketIO;

namespace Orders.Realtime.Auth;

// One socket's token: when to warn the client and when to end the socket. A single timer per socket, armed for the
// next of those two moments only and disposed with the socket; the .NET timer queue keeps tens of thousands cheaply.
// A timer that fires early or late, or races a renewal, only looks at the state under the lock and arms itself again.
internal sealed class TokenLease : IDisposable
{
    // The longest a timer is armed for at once; a token valid for longer is looked at again then.
    private static readonly TimeSpan MaxDue = TimeSpan.FromDays(1);

    private readonly Socket _socket;
    private readonly TokenLifetime _lifetime;
    private ITimer? _timer;
    private DateTimeOffset _expiresAt;
    private DateTimeOffset _validUntil;
    private DateTimeOffset _noticeAt;
    private bool _noticeSent;
    private bool _ended;

    public TokenLease(Socket socket, TokenLifetime lifetime, AccessTokenCheck check)
    {
        _socket = socket;
        _lifetime = lifetime;
        UserId = check.UserId!;
        IsAdmin = check.IsAdmin;
        Set(check, lifetime.Time.GetUtcNow());
    }

    public string UserId { get; }

    public bool IsAdmin { get; }

    public void Start()
    {
        lock (this)
        {
            if (_ended) return;
            _timer = _lifetime.Time.CreateTimer(static s => ((TokenLease)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            ArmLocked(_lifetime.Time.GetUtcNow());
        }
    }

    // Takes the renewed token's expiry; false once the socket has ended (its old token ran out first).
    public bool Renew(AccessTokenCheck check)
    {
        lock (this)
        {
            if (_ended) return false;
            var now = _lifetime.Time.GetUtcNow();
            Set(check, now);
            if (_timer is not null) ArmLocked(now);
            return true;
        }
    }

    public ValueTask OnRenew(SocketEvent e) => _lifetime.RenewAsync(e, this);

    public ValueTask OnDisconnected(Socket socket, DisconnectReason reason)
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        lock (this)
        {
            _ended = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void Set(AccessTokenCheck check, DateTimeOffset now)
    {
        _expiresAt = check.ExpiresAt;
        _validUntil = check.ValidUntil;
        _noticeAt = _lifetime.Options.NoticeAt(now, check.ExpiresAt);
        _noticeSent = false;
    }

    private void ArmLocked(DateTimeOffset now)
    {
        var next = _noticeSent ? _validUntil : _noticeAt;
        var due = next - now;
        _timer!.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due > MaxDue ? MaxDue : due, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        lock (this)
        {
            if (_ended) return;
            if (!_socket.Connected)
            {
                _ended = true;
                _timer?.Dispose();
                return;
            }

            var now = _lifetime.Time.GetUtcNow();
            if (now < _validUntil)
            {
                if (!_noticeSent && now >= _noticeAt)
                {
                    // Under the lock, so a renewal cannot slip between the check and the emit and be warned about afterwards.
                    _noticeSent = true;
                    _lifetime.WarnExpiring(_socket, _expiresAt);
                }

                ArmLocked(now);
                return;
            }

            _ended = true;
            _timer?.Dispose();
            _timer = null;
        }

        // Outside the lock: the disconnect runs the socket's handlers, this lease's Dispose among them.
        _lifetime.End(_socket, UserId);
    }
}
