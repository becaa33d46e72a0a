using System.Text.Json;

namespace Orders.Protocol.SocketIO;

/// <summary>The arguments of a received event or acknowledgement, with binary attachments resolved on demand.</summary>
public sealed class SocketArgs
{
    private readonly JsonElement _array;
    private readonly int _offset;
    private readonly IReadOnlyList<byte[]> _attachments;

    internal SocketArgs(JsonElement array, int offset, IReadOnlyList<byte[]> attachments)
    {
        _array = array;
        _offset = offset;
        _attachments = attachments;
    }

    /// <summary>Number of arguments.</summary>
    public int Count => _array.GetArrayLength() - _offset;

    /// <summary>The JSON of argument <paramref name="index"/>; a binary argument appears as its placeholder.</summary>
    public JsonElement this[int index] => _array[index + _offset];

    /// <summary>The binary attachments, in placeholder order.</summary>
    public IReadOnlyList<byte[]> Attachments => _attachments;

    /// <summary>Deserializes argument <paramref name="index"/>.</summary>
    public T? Get<T>(int index, JsonSerializerOptions? options = null) => this[index].Deserialize<T>(options ?? JsonSerializerOptions.Web);

    /// <summary>The bytes of argument <paramref name="index"/> when it is a binary attachment, else null.</summary>
    public byte[]? GetBinary(int index) => ResolvePlaceholder(this[index]);

    /// <summary>
    /// The arguments ready to be emitted again: plain JSON stays <see cref="JsonElement"/>, and binary
    /// placeholders, however deep, become <c>byte[]</c> inside dictionaries and lists.
    /// </summary>
    public object?[] ToEmitArgs()
    {
        var result = new object?[Count];
        for (var i = 0; i < result.Length; i++) result[i] = Resolve(this[i]);
        return result;
    }

    private object? Resolve(JsonElement element)
    {
        if (_attachments.Count == 0) return element;
        if (ResolvePlaceholder(element) is { } bytes) return bytes;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject()) map[property.Name] = Resolve(property.Value);
                return map;
            case JsonValueKind.Array:
                var list = new List<object?>(element.GetArrayLength());
                foreach (var item in element.EnumerateArray()) list.Add(Resolve(item));
                return list;
            default:
                return element;
        }
    }

    private byte[]? ResolvePlaceholder(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object) return null;
        if (!element.TryGetProperty("_placeholder", out var flag) || flag.ValueKind != JsonValueKind.True) return null;
        // TryGetInt32 throws on anything but a number, and num is whatever the client sent.
        if (!element.TryGetProperty("num", out var num) || num.ValueKind != JsonValueKind.Number || !num.TryGetInt32(out var index)) return null;
        return index >= 0 && index < _attachments.Count ? _attachments[index] : null;
    }

    internal bool PlaceholdersAreValid()
    {
        // Every attachment announced in the header must be referenced by a placeholder, and no more.
        return CountPlaceholders(_array) == _attachments.Count;
    }

    private static int CountPlaceholders(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (element.TryGetProperty("_placeholder", out var flag) && flag.ValueKind == JsonValueKind.True) return 1;
                var n = 0;
                foreach (var p in element.EnumerateObject()) n += CountPlaceholders(p.Value);
                return n;
            case JsonValueKind.Array:
                var m = 0;
                foreach (var item in element.EnumerateArray()) m += CountPlaceholders(item);
                return m;
            default:
                return 0;
        }
    }
}
