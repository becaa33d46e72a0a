using System.Text.Json;
using Orders.Protocol.EngineIO;
using Orders.Protocol.SocketIO.Recovery;

namespace Orders.Protocol.SocketIO;

/// <summary>Socket.IO server settings on top of the Engine.IO transport settings, with socket.io 4.x defaults.</summary>
public sealed class SocketIOOptions : EngineIOOptions
{
    /// <summary>How long a client may stay connected without joining any namespace. Default 45 s (<c>connectTimeout</c>).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMilliseconds(45_000);

    /// <summary>Timeout of an acknowledgement when the caller passes none. Default 30 s.</summary>
    public TimeSpan DefaultAckTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How event arguments are serialized. Default: <see cref="JsonSerializerDefaults.Web"/> (camelCase) with
    /// non-ASCII text written as UTF-8 rather than escaped, like Node's <c>JSON.stringify</c>.
    /// </summary>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    /// <summary>Connection state recovery (socket.io's <c>connectionStateRecovery</c>); off by default.</summary>
    public ConnectionStateRecoveryOptions ConnectionStateRecovery { get; set; } = new();

    internal IEnumerable<string> ValidateAll()
    {
        foreach (var error in Validate()) yield return error;
        foreach (var error in ConnectionStateRecovery.Validate()) yield return error;
        if (ConnectTimeout <= TimeSpan.Zero) yield return "ConnectTimeout must be positive.";
        if (DefaultAckTimeout <= TimeSpan.Zero) yield return "DefaultAckTimeout must be positive.";
    }
}
