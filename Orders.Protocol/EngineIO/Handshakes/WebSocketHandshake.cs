using Microsoft.Extensions.Primitives;

namespace Orders.Protocol.EngineIO.Handshakes;

/// <summary>A plain HTTP/1.1 WebSocket upgrade request read straight off a connection, before Kestrel's HTTP layer.</summary>
internal sealed class WebSocketHandshake(string path, string queryString, Dictionary<string, StringValues> headers, string key)
{
    /// <summary>The request path, still percent-encoded.</summary>
    public string Path { get; } = path;

    /// <summary>The query string with its leading <c>?</c>, or empty.</summary>
    public string QueryString { get; } = queryString;

    public Dictionary<string, StringValues> Headers { get; } = headers;

    /// <summary>The client's <c>Sec-WebSocket-Key</c>.</summary>
    public string Key { get; } = key;
}
