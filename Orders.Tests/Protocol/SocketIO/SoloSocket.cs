using Orders.Protocol.EngineIO;
using Orders.Protocol.SocketIO;

namespace Orders.Tests.Protocol.SocketIO;

/// <summary>
/// The one socket of a write-order test: every socket of <c>/</c> joins the room <c>solo</c> in middleware (before its
/// CONNECT answer), and the last one is kept, so a test can emit to it and watch its session's writer.
/// </summary>
internal sealed class SoloSocket
{
    private Socket? _socket;

    private SoloSocket()
    {
    }

    public const string Room = "solo";

    public EngineSession Session => (_socket ?? throw new InvalidOperationException("No socket has connected yet.")).Client.Session;

    public static SoloSocket JoinedOn(ConformanceServer server)
    {
        var solo = new SoloSocket();
        server.IO.Default.Use(socket =>
        {
            solo._socket = socket;
            socket.Join(Room);
            return ValueTask.FromResult(ConnectResult.Accept);
        });
        return solo;
    }

    /// <summary>
    /// Waits until the greeting's writer has let go of the session: it does so only after its write returned, which the
    /// client may see first, and a frame emitted before then would queue behind that writer.
    /// </summary>
    public async Task WaitUntilGreetingWrittenAsync()
    {
        var deadline = DateTime.UtcNow + ConformanceServer.Timeout;
        while (Session.IsDraining && DateTime.UtcNow < deadline) await Task.Delay(1);
        Session.IsDraining.Should().BeFalse("the greeting was written and nothing else was sent");
    }
}
