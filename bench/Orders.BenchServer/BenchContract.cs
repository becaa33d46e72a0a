using System.Globalization;
using System.Text;
using System.Text.Json;
using Orders.Protocol.SocketIO;

namespace Orders.BenchServer;

/// <summary>
/// The benchmark contract both servers speak (see README, Benchmarks): CONNECT <c>{"token":"u&lt;N&gt;"}</c> joins
/// <c>user:&lt;N&gt;</c>; <c>POST /emit</c> and <c>POST /broadcast</c> emit events; <c>GET /stats</c> reports sockets and RSS.
/// </summary>
internal static class BenchContract
{
    private static readonly ConnectResult InvalidToken = ConnectResult.Reject("invalid token", new { reason = "bad_token" });

    public static void Configure(SocketIOServer io)
    {
        io.Default.Use(socket => ValueTask.FromResult(TryGetUser(socket.Handshake.Auth, out _) ? ConnectResult.Accept : InvalidToken));
        io.Default.OnConnection(socket =>
        {
            if (TryGetUser(socket.Handshake.Auth, out var user)) socket.Join(RoomOf(user));
            return ValueTask.CompletedTask;
        });
    }

    public static void MapEndpoints(WebApplication app, SocketIOServer io, CloseReasons closes)
    {
        app.MapPost("/emit", (HttpContext context) => EmitAsync(context, io, toRooms: true));
        app.MapPost("/broadcast", (HttpContext context) => EmitAsync(context, io, toRooms: false));
        app.MapGet("/stats", (HttpContext context) => StatsAsync(context, io, closes));
    }

    /// <summary>Answers <c>{"ok":n}</c> where n is the number of sockets the events were handed to, summed over events.</summary>
    /// <remarks>
    /// The body is parsed where Kestrel buffered it: a parse of the request stream copied it into an array of its
    /// own first (0.75% of the core in a fan-out profile).
    /// </remarks>
    private static async Task EmitAsync(HttpContext context, SocketIOServer io, bool toRooms)
    {
        var reader = context.Request.BodyReader;
        var read = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
        while (!read.IsCompleted)
        {
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            read = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
        }

        int handed;
        try
        {
            using var body = JsonDocument.Parse(read.Buffer);
            handed = Emit(body.RootElement, io, toRooms);
        }
        finally
        {
            reader.AdvanceTo(read.Buffer.End);
        }

        await WriteJsonAsync(context, $"{{\"ok\":{handed}}}").ConfigureAwait(false);
    }

    private static int Emit(JsonElement root, SocketIOServer io, bool toRooms)
    {
        var handed = 0;

        // Events to rooms leave together when the batch ends; a broadcast batches its own recipients. Properties are
        // looked up by their UTF-8 names (a string name is transcoded at every lookup), and the events of a body mostly
        // share one name, which becomes a string once rather than once per event.
        using var batch = io.BeginEmitBatch();
        var name = "";
        var nameUtf8 = Array.Empty<byte>();
        foreach (var e in root.GetProperty("events"u8).EnumerateArray())
        {
            var nameElement = e.GetProperty("event"u8);
            if (!nameElement.ValueEquals(nameUtf8))
            {
                name = nameElement.GetString() ?? "";
                nameUtf8 = Encoding.UTF8.GetBytes(name);
            }

            var data = e.TryGetProperty("data"u8, out var d) ? d : default;
            handed += toRooms
                ? io.Default.To(RoomOf(e.GetProperty("user"u8).GetInt32())).Batched(batch).Emit(name, data)
                : io.Default.Emit(name, data);
        }

        return handed;
    }

    /// <summary><c>?gc=1</c> collects first (Node's reference does <c>global.gc()</c>), so RSS reflects what is live.</summary>
    private static Task StatsAsync(HttpContext context, SocketIOServer io, CloseReasons closes)
    {
        if (context.Request.Query["gc"] == "1")
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        // "heap", "gc" and "closes" are beyond the contract: live managed bytes, which tell per-socket cost apart
        // from GC budgets; bytes allocated, collections and pause time so far, which tell how much of a scenario's CPU
        // the runtime's memory work took; and sessions closed so far by reason, which tell why a run lost clients.
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        var reasons = JsonSerializer.Serialize(closes.Snapshot());
        var gc = FormattableString.Invariant($"{{\"allocated\":{GC.GetTotalAllocatedBytes()},\"gen0\":{GC.CollectionCount(0)},\"gen1\":{GC.CollectionCount(1)},\"gen2\":{GC.CollectionCount(2)},\"pause_ms\":{GC.GetTotalPauseDuration().TotalMilliseconds:F1}}}");
        return WriteJsonAsync(context, FormattableString.Invariant($"{{\"sockets\":{io.Default.SocketCount},\"rss\":{self.WorkingSet64},\"heap\":{GC.GetTotalMemory(false)},\"gc\":{gc},\"closes\":{reasons}}}"));
    }

    /// <summary>
    /// With its length known the answer leaves in one write; written as a stream of unknown length it was chunked,
    /// and its terminating chunk cost a second send per request (Node's reference answers with a length too).
    /// </summary>
    private static Task WriteJsonAsync(HttpContext context, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static string RoomOf(int user) => string.Create(CultureInfo.InvariantCulture, $"user:{user}");

    private static bool TryGetUser(JsonElement auth, out int user)
    {
        user = 0;
        if (auth.ValueKind != JsonValueKind.Object || !auth.TryGetProperty("token", out var token) || token.ValueKind != JsonValueKind.String) return false;
        var s = token.GetString()!;
        return s.Length > 1 && s[0] == 'u' && int.TryParse(s.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out user);
    }
}
