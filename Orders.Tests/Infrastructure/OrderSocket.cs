using System.Text.Json;
using SocketIOClient;
using SocketIOClient.Transport;

namespace Orders.Tests.Infrastructure;

// Offset: the durable event's position, sent as its last argument (connection state recovery).
internal sealed record ReceivedEvent(string Name, JsonElement Payload, string? Offset = null);

// A real socket.io client (SocketIOClient) that records every event it receives, in order.
internal sealed class OrderSocket : IAsyncDisposable
{
    private readonly SocketIOClient.SocketIO _client;
    private readonly List<ReceivedEvent> _events = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OrderSocket(SocketIOClient.SocketIO client)
    {
        _client = client;
        _client.OnAny((name, response) =>
        {
            var payload = response.GetValue<JsonElement>(0).Clone();
            var offset = response.Count > 1 ? response.GetValue<string>(response.Count - 1) : null;
            lock (_gate)
            {
                _events.Add(new ReceivedEvent(name, payload, offset));
                _changed.TrySetResult();
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        });
    }

    public SocketIOClient.SocketIO Client => _client;

    public IReadOnlyList<ReceivedEvent> Events
    {
        get
        {
            lock (_gate) return [.. _events];
        }
    }

    public static SocketIOClient.SocketIO CreateClient(Uri server, object? auth, TransportProtocol transport = TransportProtocol.WebSocket) =>
        new(server, new SocketIOOptions
        {
            Auth = auth,
            Transport = transport,
            Reconnection = false,
            ConnectionTimeout = TimeSpan.FromSeconds(10),
        });

    public static async Task<OrderSocket> ConnectAsync(Uri server, string token, TransportProtocol transport = TransportProtocol.WebSocket)
    {
        var socket = new OrderSocket(CreateClient(server, new { token }, transport));
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        socket._client.OnConnected += (_, _) => connected.TrySetResult();
        socket._client.OnError += (_, error) => connected.TrySetException(new InvalidOperationException($"connect_error: {error}"));
        await socket._client.ConnectAsync().Within();
        await connected.Task.Within();
        return socket;
    }

    // Waits until at least `count` events arrived, then returns them all.
    public async Task<IReadOnlyList<ReceivedEvent>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Bounded.Default);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_events.Count >= count)
                {
                    return [.. _events];
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Expected {count} events, got {Events.Count}: {string.Join(", ", Events.Select(e => e.Name))}");
            }
        }
    }

    // Waits for an event matching `match` and returns every event received up to and including it.
    public async Task<IReadOnlyList<ReceivedEvent>> WaitUntilAsync(Func<ReceivedEvent, bool> match, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Bounded.Default);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var index = _events.FindIndex(e => match(e));
                if (index >= 0)
                {
                    return _events[..(index + 1)];
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The awaited event never came; got: {string.Join(", ", Events.Select(e => e.Name))}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.Connected)
            {
                await _client.DisconnectAsync().Within(TimeSpan.FromSeconds(5));
            }
        }
        finally
        {
            _client.Dispose();
        }
    }
}
