using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Orders.Protocol.EngineIO;

namespace Orders.Protocol.SocketIO;

/// <summary>What a socket's client presented when it connected: the CONNECT payload and the HTTP handshake.</summary>
public sealed class Handshake
{
    private readonly EngineHandshakeRequest _request;

    internal Handshake(EngineHandshakeRequest request, JsonElement auth)
    {
        _request = request;
        Auth = auth;
    }

    /// <summary>The CONNECT payload (socket.io-client's <c>auth</c> option); an empty object when none was sent.</summary>
    public JsonElement Auth { get; }

    /// <summary>Headers of the first HTTP request of the connection.</summary>
    public IHeaderDictionary Headers => _request.Headers;

    /// <summary>Query string of the first HTTP request.</summary>
    public IReadOnlyDictionary<string, string> Query => _request.Query;

    /// <summary>Cookies of the first HTTP request.</summary>
    public IReadOnlyDictionary<string, string> Cookies => _request.Cookies;

    /// <summary>Client address.</summary>
    public IPAddress? RemoteAddress => _request.RemoteAddress;

    /// <summary>Whether the connection came over TLS.</summary>
    public bool Secure => _request.IsSecure;

    /// <summary>When the underlying connection was opened.</summary>
    public DateTimeOffset IssuedAt => _request.IssuedAt;
}
