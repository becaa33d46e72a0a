using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Orders.Protocol.EngineIO;

/// <summary>What the first HTTP request of a session carried, kept for the application's handshake checks.</summary>
public sealed class EngineHandshakeRequest
{
    private readonly string? _queryString;
    private IReadOnlyDictionary<string, string>? _query;
    private IReadOnlyDictionary<string, string>? _cookies;

    internal EngineHandshakeRequest(HttpRequest request, DateTimeOffset issuedAt)
        : this(
            new HeaderDictionary(request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase)),
            request.QueryString.Value,
            request.HttpContext.Connection.RemoteIpAddress,
            request.IsHttps,
            issuedAt)
    {
    }

    internal EngineHandshakeRequest(IHeaderDictionary headers, string? queryString, IPAddress? remoteAddress, bool isSecure, DateTimeOffset issuedAt)
    {
        // Only the headers are copied up front; query and cookies are parsed from them on first use, since most
        // applications read one header and a session is kept for hours.
        Headers = headers;
        _queryString = queryString;
        RemoteAddress = remoteAddress;
        IsSecure = isSecure;
        IssuedAt = issuedAt;
    }

    /// <summary>Request headers of the handshake.</summary>
    public IHeaderDictionary Headers { get; }

    /// <summary>Query string of the handshake.</summary>
    public IReadOnlyDictionary<string, string> Query => _query ??= ParseQuery(_queryString);

    /// <summary>Cookies of the handshake.</summary>
    public IReadOnlyDictionary<string, string> Cookies => _cookies ??= ParseCookies(Headers.Cookie);

    /// <summary>Client address as Kestrel saw it.</summary>
    public IPAddress? RemoteAddress { get; }

    /// <summary>Whether the handshake came over TLS.</summary>
    public bool IsSecure { get; }

    /// <summary>When the session was opened.</summary>
    public DateTimeOffset IssuedAt { get; }

    private static Dictionary<string, string> ParseQuery(string? queryString) =>
        QueryHelpers.ParseQuery(queryString).ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);

    private static Dictionary<string, string> ParseCookies(Microsoft.Extensions.Primitives.StringValues header)
    {
        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!CookieHeaderValue.TryParseList(header, out var parsed)) return cookies;
        foreach (var cookie in parsed)
        {
            var name = cookie.Name.ToString();
            if (name.Length > 0) cookies.TryAdd(name, Uri.UnescapeDataString(cookie.Value.ToString()));
        }

        return cookies;
    }
}
