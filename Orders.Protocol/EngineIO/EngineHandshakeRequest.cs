using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Orders.Protocol.EngineIO;

/// <summary>What the first HTTP request of a session carried, kept for the application's handshake checks.</summary>
public sealed class EngineHandshakeRequest
{
    private readonly KeyValuePair<string, StringValues>[] _headerList;
    private readonly string? _queryString;
    private IHeaderDictionary? _headers;
    private IReadOnlyDictionary<string, string>? _query;
    private IReadOnlyDictionary<string, string>? _cookies;

    internal EngineHandshakeRequest(HttpRequest request, DateTimeOffset issuedAt)
        : this(
            [.. request.Headers],
            request.QueryString.Value,
            request.HttpContext.Connection.RemoteIpAddress,
            request.IsHttps,
            issuedAt)
    {
    }

    internal EngineHandshakeRequest(KeyValuePair<string, StringValues>[] headers, string? queryString, IPAddress? remoteAddress, bool isSecure, DateTimeOffset issuedAt)
    {
        // The headers are kept as one array, and query, cookies and the header dictionary are made from them on first
        // use: a session is kept for hours and most applications read one header, if any, where a dictionary kept
        // four objects per socket for its whole life.
        _headerList = headers;
        _queryString = queryString;
        RemoteAddress = remoteAddress;
        IsSecure = isSecure;
        IssuedAt = issuedAt;
    }

    /// <summary>Request headers of the handshake (names case-insensitive).</summary>
    public IHeaderDictionary Headers
    {
        get
        {
            if (Volatile.Read(ref _headers) is { } made) return made;
            var headers = new HeaderDictionary(new Dictionary<string, StringValues>(_headerList, StringComparer.OrdinalIgnoreCase));
            return Interlocked.CompareExchange(ref _headers, headers, null) ?? headers;
        }
    }

    /// <summary>Query string of the handshake.</summary>
    public IReadOnlyDictionary<string, string> Query => _query ??= ParseQuery(_queryString);

    /// <summary>Cookies of the handshake.</summary>
    public IReadOnlyDictionary<string, string> Cookies => _cookies ??= ParseCookies(HeaderValue(HeaderNames.Cookie));

    /// <summary>Client address as Kestrel saw it.</summary>
    public IPAddress? RemoteAddress { get; }

    /// <summary>Whether the handshake came over TLS.</summary>
    public bool IsSecure { get; }

    /// <summary>When the session was opened.</summary>
    public DateTimeOffset IssuedAt { get; }

    private StringValues HeaderValue(string name)
    {
        foreach (var (key, value) in _headerList)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) return value;
        }

        return StringValues.Empty;
    }

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
