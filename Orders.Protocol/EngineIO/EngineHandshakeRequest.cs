using System.Net;
using Microsoft.AspNetCore.Http;

namespace Orders.Protocol.EngineIO;

/// <summary>What the first HTTP request of a session carried, kept for the application's handshake checks.</summary>
public sealed class EngineHandshakeRequest
{
    internal EngineHandshakeRequest(HttpRequest request, DateTimeOffset issuedAt)
    {
        Headers = new HeaderDictionary(request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase));
        Query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        Cookies = request.Cookies.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        RemoteAddress = request.HttpContext.Connection.RemoteIpAddress;
        IsSecure = request.IsHttps;
        IssuedAt = issuedAt;
    }

    /// <summary>Request headers of the handshake.</summary>
    public IHeaderDictionary Headers { get; }

    /// <summary>Query string of the handshake.</summary>
    public IReadOnlyDictionary<string, string> Query { get; }

    /// <summary>Cookies of the handshake.</summary>
    public IReadOnlyDictionary<string, string> Cookies { get; }

    /// <summary>Client address as Kestrel saw it.</summary>
    public IPAddress? RemoteAddress { get; }

    /// <summary>Whether the handshake came over TLS.</summary>
    public bool IsSecure { get; }

    /// <summary>When the session was opened.</summary>
    public DateTimeOffset IssuedAt { get; }
}
