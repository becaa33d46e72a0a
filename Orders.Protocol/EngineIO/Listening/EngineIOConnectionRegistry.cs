using System.Collections.Concurrent;

namespace Orders.Protocol.EngineIO.Listening;

/// <summary>The Engine.IO endpoints that take WebSocket handshakes at the connection, by path.</summary>
internal sealed class EngineIOConnectionRegistry
{
    private readonly ConcurrentDictionary<string, EngineIOServer> _engines;
    private readonly ConcurrentDictionary<string, EngineIOServer>.AlternateLookup<ReadOnlySpan<char>> _byPath;

    public EngineIOConnectionRegistry()
    {
        _engines = new(StringComparer.OrdinalIgnoreCase);
        _byPath = _engines.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public bool IsEmpty => _engines.IsEmpty;

    /// <summary>Registers <paramref name="engine"/> for <paramref name="path"/> (without its trailing slash).</summary>
    public void Add(string path, EngineIOServer engine) => _engines[path] = engine;

    /// <summary>The engine serving <paramref name="requestPath"/>: its path itself, or with one trailing slash.</summary>
    public EngineIOServer? Find(string requestPath)
    {
        var path = requestPath.AsSpan();
        if (path.EndsWith('/')) path = path[..^1];
        return _byPath.TryGetValue(path, out var engine) ? engine : null;
    }
}
