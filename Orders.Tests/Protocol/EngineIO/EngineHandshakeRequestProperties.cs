using CsCheck;
using Microsoft.Extensions.Primitives;
using Orders.Protocol.EngineIO;

namespace Orders.Tests.Protocol.EngineIO;

/// <summary>The query and cookies an application reads from a handshake, whatever the client put in them.</summary>
public sealed class EngineHandshakeRequestProperties
{
    private const long Iterations = 3_000;

    private static readonly Gen<string> AnyText = Gen.Frequency(
        (1, Gen.String),
        (3, Gen.OneOf("?", "&", "=", ";", " ", ",", "\"", "a", "b", "%", "%2", "%zz", "%ED%A0%80", "%C3", "+", "é", "\ud800", "\t")
            .Array[0, 16].Select(string.Concat)));

    private static readonly Gen<string> Name = Gen.String[Gen.Char["abcxyz019_-"], 1, 8];

    private static readonly Gen<string> Value = Gen.String[Gen.Char["abcXYZ019-_+/=%&?;, é中"], 0, 12];

    [Test]
    public void Any_query_string_and_cookie_header_can_be_read_without_throwing()
    {
        Gen.Select(AnyText, AnyText).Sample((query, cookie) =>
        {
            var request = Request(query, cookie);
            request.Query.Keys.Should().OnlyHaveUniqueItems();
            request.Cookies.Keys.Should().NotContain("");
            request.Headers.Cookie.ToString().Should().Be(cookie);
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void Escaped_query_parameters_are_read_back()
    {
        Gen.Select(Name, Value).Array[0, 6].Sample(pairs =>
        {
            var distinct = pairs.DistinctBy(p => p.Item1, StringComparer.OrdinalIgnoreCase).ToList();
            var query = "?" + string.Join("&", distinct.Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2)));

            Request(query, "").Query.Should().Equal(distinct.ToDictionary(p => p.Item1, p => p.Item2));
        }, iter: Iterations, threads: 1);
    }

    [Test]
    public void Escaped_cookies_are_read_back()
    {
        Gen.Select(Name, Value).Array[1, 6].Sample(pairs =>
        {
            var distinct = pairs.DistinctBy(p => p.Item1, StringComparer.Ordinal).ToList();
            var header = string.Join("; ", distinct.Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2)));

            Request("", header).Cookies.Should().Equal(distinct.ToDictionary(p => p.Item1, p => p.Item2));
        }, iter: Iterations, threads: 1);
    }

    private static EngineHandshakeRequest Request(string query, string cookie) =>
        new([new("Host", "localhost"), new("Cookie", new StringValues(cookie))], query, null, false, DateTimeOffset.UnixEpoch);
}
