using Orders.Fuzz.Targets;
using SharpFuzz;

// One afl-fuzz target per parser, chosen by the first argument. Under afl-fuzz, Fuzzer.Run is the fork server and
// runs the target once per input; run by hand (`dotnet Orders.Fuzz.dll socket-packet < input`) it runs one input,
// which is how a finding is replayed. An exception escaping a target is what afl-fuzz counts as a crash.
var targets = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
{
    ["polling-payload"] = PollingPayloadTarget.Run,
    ["socket-packet"] = SocketPacketTarget.Run,
    ["websocket-handshake"] = WebSocketHandshakeTarget.Run,
    ["handshake-query"] = HandshakeQueryTarget.Run,
};

if (args.Length != 1 || !targets.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: Orders.Fuzz <{string.Join('|', targets.Keys)}>  (the input on stdin)");
    return 2;
}

Fuzzer.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    target(input.ToArray());
});
return 0;
