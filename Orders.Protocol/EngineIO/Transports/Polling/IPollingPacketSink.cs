namespace Orders.Protocol.EngineIO.Transports.Polling;

/// <summary>
/// Where <see cref="PollingTransport.ForEachPacket{TSink}(System.Buffers.ReadOnlySequence{byte}, ref TSink)"/> hands
/// the packets of a POST body. The server's sink dispatches them to a session; the property tests and the fuzz
/// targets read the same splitting and base64 decoding without a server.
/// </summary>
internal interface IPollingPacketSink
{
    /// <summary>A text packet (type byte first); false when it is not one the receiver accepts.</summary>
    bool OnText(ReadOnlySpan<byte> packet);

    /// <summary>A binary packet's decoded bytes, valid only during the call.</summary>
    void OnBinary(ReadOnlySpan<byte> data);
}
