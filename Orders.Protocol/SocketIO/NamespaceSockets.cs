namespace Orders.Protocol.SocketIO;

/// <summary>
/// A connection's sockets by namespace. Nearly every client joins one namespace, so the first is a field and a
/// dictionary exists only for a connection that joins a second: tens of thousands of idle clients then carry no
/// dictionary each. A mutable struct kept in a field of <see cref="ClientConnection"/> (never copied), which guards
/// it: as a class it was one more object per connection for the collector to copy.
/// </summary>
internal struct NamespaceSockets
{
    private Socket? _first;
    private Dictionary<string, Socket>? _more;

    public readonly int Count => (_first is null ? 0 : 1) + (_more?.Count ?? 0);

    public readonly Socket? Find(string name) =>
        _first is not null && _first.Namespace.Name == name ? _first : _more?.GetValueOrDefault(name);

    public readonly bool Contains(string name) => Find(name) is not null;

    public void Add(Socket socket)
    {
        if (_first is null) _first = socket;
        else (_more ??= new(StringComparer.Ordinal))[socket.Namespace.Name] = socket;
    }

    /// <summary>Removes <paramref name="socket"/> if it is the current socket of its namespace.</summary>
    public bool Remove(Socket socket)
    {
        if (_first == socket)
        {
            _first = null;
            return true;
        }

        return _more is not null && _more.TryGetValue(socket.Namespace.Name, out var current) && current == socket && _more.Remove(socket.Namespace.Name);
    }

    public readonly Socket[] ToArray()
    {
        if (_more is null || _more.Count == 0) return _first is null ? [] : [_first];
        return _first is null ? [.. _more.Values] : [_first, .. _more.Values];
    }
}
