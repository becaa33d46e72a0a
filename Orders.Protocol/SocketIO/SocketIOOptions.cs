using System.Text.Json;
using Orders.Protocol.EngineIO;
using Orders.Protocol.SocketIO.Recovery;

namespace Orders.Protocol.SocketIO;

/// <summary>Socket.IO server settings, with socket.io 4.x defaults; the Engine.IO transport's own are in <see cref="SocketIOOptions.EngineIO"/>.</summary>
public sealed class SocketIOOptions
{
    internal const int DefaultMaxJsonDepth = 32;

    /// <summary>
    /// The Engine.IO transport below the server (heartbeat, payload size, transports, send queue, limits, I/O switches);
    /// configuration keys <c>SocketIO:EngineIO:*</c>.
    /// </summary>
    public EngineIOOptions EngineIO { get; set; } = new();

    /// <summary>How long a client may stay connected without joining any namespace. Default 45 s (<c>connectTimeout</c>).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMilliseconds(45_000);

    /// <summary>Timeout of an acknowledgement when the caller passes none. Default 30 s.</summary>
    public TimeSpan DefaultAckTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How event arguments are serialized. Default: <see cref="JsonSerializerDefaults.Web"/> (camelCase) with
    /// non-ASCII text written as UTF-8 rather than escaped, like Node's <c>JSON.stringify</c>.
    /// </summary>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    /// <summary>
    /// How deep the JSON of a received packet may nest, its own argument array counting as one level (so an event's
    /// arguments may nest one level less). A deeper packet is malformed: the connection is closed with the reason
    /// <c>parse error</c>, which is logged and counted, and no handler sees it. Default 32 (System.Text.Json's own
    /// bound is 64; socket.io has none).
    /// </summary>
    public int MaxJsonDepth { get; set; } = DefaultMaxJsonDepth;

    /// <summary>Connection state recovery (socket.io's <c>connectionStateRecovery</c>); off by default.</summary>
    public ConnectionStateRecoveryOptions ConnectionStateRecovery { get; set; } = new();

    internal IEnumerable<string> ValidateAll()
    {
        if (EngineIO is null)
        {
            yield return "EngineIO must be set.";
        }
        else
        {
            foreach (var error in EngineIO.Validate()) yield return error;
        }

        foreach (var error in ConnectionStateRecovery.Validate()) yield return error;
        if (ConnectTimeout <= TimeSpan.Zero) yield return "ConnectTimeout must be positive.";
        if (DefaultAckTimeout <= TimeSpan.Zero) yield return "DefaultAckTimeout must be positive.";
        if (MaxJsonDepth is < 2 or > 256) yield return "MaxJsonDepth must be between 2 and 256.";
    }
}
