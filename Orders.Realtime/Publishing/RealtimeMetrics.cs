using System.Diagnostics.Metrics;
using Orders.Protocol.SocketIO;
using Orders.Realtime.Rooms;

namespace Orders.Realtime.Publishing;

// Order event and handshake metrics on the meter Orders.Realtime; socket metrics live on Orders.Protocol.
internal sealed class RealtimeMetrics
{
    public const string MeterName = "Orders.Realtime";

    private readonly Counter<long> _published;
    private readonly Counter<long> _delivered;
    private readonly Histogram<double> _publishToSend;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _tokenRenewals;
    private readonly Counter<long> _tokenExpiries;

    public RealtimeMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(MeterName);
        _published = Meter.CreateCounter<long>("orders.events.published", "{event}", "Order events published after commit, by type.");
        _delivered = Meter.CreateCounter<long>("orders.events.delivered", "{event}", "Order events handed to sockets, one per recipient, by type.");
        _publishToSend = Meter.CreateHistogram<double>(
            "orders.events.publish_to_send", "s", "Time from commit to the event being queued on every recipient socket.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _authFailures = Meter.CreateCounter<long>("socketio.auth_failures", "{handshake}", "Socket handshakes refused, by reason.");
        _tokenRenewals = Meter.CreateCounter<long>("socketio.token_renewals", "{renewal}", "In-band token renewals (auth:renew), by result: ok or the refusal reason.");
        _tokenExpiries = Meter.CreateCounter<long>("socketio.token_expiries", "{socket}", "Sockets the server ended because their access token expired.");
    }

    private Meter Meter { get; }

    // Application rooms only (user:{sub} and admins), not the room every socket has for its own id.
    public void ObserveRooms(SocketIONamespace ns) =>
        Meter.CreateObservableGauge(
            "socketio.rooms",
            () => ns.RoomNames.Count(name => name == OrderRooms.Admins || name.StartsWith(OrderRooms.UserPrefix, StringComparison.Ordinal)),
            "{room}",
            "Rooms with at least one socket: one per connected user, plus admins.");

    // How far this node's feed is behind the committed events.
    public void ObserveFeed(OrderEventFeed feed)
    {
        Meter.CreateObservableGauge("orders.events.lag", () => feed.LagPositions, "{event}", "Committed order events this node has not sent yet.");
        Meter.CreateObservableGauge(
            "orders.events.lag_seconds", () => feed.Lag.TotalSeconds, "s", "While behind, the age of the last order event this node sent; 0 when caught up.");
    }

    public void Published(string type) => _published.Add(1, new KeyValuePair<string, object?>("type", type));

    public void Delivered(string type, int recipients, TimeSpan publishToSend)
    {
        var tag = new KeyValuePair<string, object?>("type", type);
        if (recipients > 0)
        {
            _delivered.Add(recipients, tag);
        }

        _publishToSend.Record(publishToSend.TotalSeconds, tag);
    }

    public void AuthFailed(string reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void TokenRenewal(string result) => _tokenRenewals.Add(1, new KeyValuePair<string, object?>("result", result));

    public void TokenExpired() => _tokenExpiries.Add(1);
}
