namespace Orders.Protocol.EngineIO;

internal static class EnginePacketType
{
    public const byte Open = (byte)'0';
    public const byte Close = (byte)'1';
    public const byte Ping = (byte)'2';
    public const byte Pong = (byte)'3';
    public const byte Message = (byte)'4';
    public const byte Upgrade = (byte)'5';
    public const byte Noop = (byte)'6';

    /// <summary>Record separator joining packets in a long-polling payload.</summary>
    public const byte Separator = 0x1e;

    /// <summary>Prefix of a base64-encoded binary packet inside a long-polling payload.</summary>
    public const byte Base64Prefix = (byte)'b';
}
