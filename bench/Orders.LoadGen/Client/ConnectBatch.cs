using System.Net;
using System.Text;
using Orders.LoadGen.Client.Native;

namespace Orders.LoadGen.Client;

/// <summary>
/// One connect command on the loop's thread: <c>count</c> clients with at most <c>inFlight</c> of them not yet
/// settled (joined, refused or failed); each settlement starts the next.
/// </summary>
internal sealed class ConnectBatch
{
    private readonly EventLoop _loop;
    private readonly SockAddrIn _server;
    private readonly SockAddrIn _source;
    private readonly int _count;
    private readonly int _inFlight;
    private readonly Func<int, string> _token;
    private readonly TaskCompletionSource<ConnectTally> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _next;
    private int _running;
    private int _settled;
    private int _joined;
    private int _rejected;
    private int _failed;
    private bool _pumping;

    public ConnectBatch(EventLoop loop, IPEndPoint server, IPAddress source, int count, int inFlight, Func<int, string> token)
    {
        _loop = loop;
        _server = SockAddrIn.From(server.Address, server.Port);
        _source = SockAddrIn.From(source, 0);
        _count = count;
        _inFlight = Math.Max(1, inFlight);
        _token = token;
        UpgradeRequest = Encoding.ASCII.GetBytes(
            $"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    }

    /// <summary>The same for every client of the batch: the server's address is its only variable part.</summary>
    public byte[] UpgradeRequest { get; }

    public Task<ConnectTally> Completion => _done.Task;

    /// <summary>Starts clients up to the in-flight limit; completes the batch once every client has settled.</summary>
    public void Pump()
    {
        // A connect that fails at once settles inside Start, which pumps again: the outer loop carries on instead.
        if (_pumping) return;
        _pumping = true;
        while (_running < _inFlight && _next < _count && !_loop.Stopping)
        {
            _running++;
            var client = new ClientConnection(_loop, this, _token(_next++));
            client.Start(_server, _source);
        }

        _pumping = false;
        if (_settled == _count || (_loop.Stopping && _running == 0)) _done.TrySetResult(new ConnectTally(_joined, _rejected, _failed));
    }

    public void OnSettled(Outcome outcome)
    {
        switch (outcome)
        {
            case Outcome.Joined: _joined++; break;
            case Outcome.Rejected: _rejected++; break;
            default: _failed++; Interlocked.Increment(ref _loop.State.Failed); break;
        }

        _running--;
        _settled++;
        Pump();
    }
}
