namespace Orders.Protocol.EngineIO.Handshakes;

/// <summary>The three query parameters the Engine.IO handshake is decided on.</summary>
internal readonly record struct EngineQuery(string? Eio, string? Transport, string? Sid)
{
    /// <summary>Reads <c>EIO</c>, <c>transport</c> and <c>sid</c>; false when one of them is repeated.</summary>
    public static bool TryRead(string queryString, out EngineQuery query)
    {
        query = default;
        string? eio = null, transport = null, sid = null;
        var rest = queryString.AsSpan().TrimStart('?');
        foreach (var range in rest.Split('&'))
        {
            var pair = rest[range];
            var equals = pair.IndexOf('=');
            var name = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? "" : Decode(pair[(equals + 1)..]);
            if (name.SequenceEqual("EIO"))
            {
                if (eio is not null) return false;
                eio = value;
            }
            else if (name.SequenceEqual("transport"))
            {
                if (transport is not null) return false;
                transport = value;
            }
            else if (name.SequenceEqual("sid"))
            {
                if (sid is not null) return false;
                sid = value;
            }
        }

        query = new EngineQuery(eio, transport, string.IsNullOrEmpty(sid) ? null : sid);
        return true;
    }

    private static string Decode(ReadOnlySpan<char> value) =>
        value.IndexOfAny('%', '+') < 0 ? value.ToString() : Uri.UnescapeDataString(value.ToString().Replace('+', ' '));
}
