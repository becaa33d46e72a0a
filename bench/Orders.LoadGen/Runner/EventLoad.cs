using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Orders.LoadGen.Runner;

/// <summary>
/// Drives <c>POST /emit</c> and <c>POST /broadcast</c>. Each event's data carries the send timestamp (<c>t</c>,
/// Stopwatch ticks: CLOCK_MONOTONIC, shared by every process on the machine) and a sequence number (<c>s</c>),
/// padded so the frame a client receives is about 200 bytes, like an order event.
/// </summary>
internal sealed class EventLoad
{
    private static readonly byte[] Padding = Encoding.ASCII.GetBytes(new string('x', 130));
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly ServerProcess _server;
    private long _handed;

    public EventLoad(ServerProcess server) => _server = server;

    /// <summary>Deliveries the server said it handed to sockets (<c>ok</c>, summed).</summary>
    public long Handed => Interlocked.Read(ref _handed);

    public async Task<int> PostAsync(string path, IReadOnlyList<int> users, long seq = -1)
    {
        // Written as UTF-8 straight into a pooled buffer: the coordinator shares the generator's core with the clients,
        // and building each body as a string (then encoding it) cost it more than the server spent on the request.
        var buffer = ArrayPool<byte>.Shared.Rent(64 + (users.Count * 256));
        try
        {
            var length = WriteBody(buffer, users, Stopwatch.GetTimestamp(), seq);
            using var content = new ByteArrayContent(buffer, 0, length);
            content.Headers.ContentType = Json;
            using var response = await _server.Http.PostAsync(path, content).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var ok = ReadOk(await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false));
            Interlocked.Add(ref _handed, ok);
            return ok;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int WriteBody(Span<byte> buffer, IReadOnlyList<int> users, long t, long seq)
    {
        var at = Append(buffer, "{\"events\":["u8);
        for (var i = 0; i < users.Count; i++)
        {
            if (i > 0) buffer[at++] = (byte)',';
            if (!Utf8.TryWrite(buffer[at..], CultureInfo.InvariantCulture,
                    $"{{\"user\":{users[i]},\"event\":\"order:updated\",\"data\":{{\"t\":{t},\"s\":{seq},\"p\":\"", out var n))
            {
                throw new InvalidOperationException("event body buffer too small");
            }

            at += n;
            at += Append(buffer[at..], Padding);
            at += Append(buffer[at..], "\"}}"u8);
        }

        return at + Append(buffer[at..], "]}"u8);
    }

    private static int Append(Span<byte> to, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(to);
        return bytes.Length;
    }

    // The contract's answer: {"ok":n}.
    private static int ReadOk(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("ok"u8) && reader.Read())
            {
                return reader.GetInt32();
            }
        }

        throw new InvalidDataException($"no \"ok\" in {Encoding.UTF8.GetString(json)}");
    }

    /// <summary>
    /// Keeps <paramref name="inFlight"/> POSTs going until <paramref name="stop"/>, pausing while more than
    /// <paramref name="maxBacklog"/> handed events are not yet delivered, so the generator measures the
    /// server's delivery rate rather than filling its queues.
    /// </summary>
    public Task RunClosedLoopAsync(string path, int users, int batch, int inFlight, Func<long> delivered, long maxBacklog, CancellationToken stop)
    {
        return Task.WhenAll(Enumerable.Range(0, inFlight).Select(async lane =>
        {
            var random = new Random(lane);
            var targets = new int[batch];
            while (!stop.IsCancellationRequested)
            {
                if (Handed - delivered() > maxBacklog)
                {
                    await Task.Delay(1, CancellationToken.None).ConfigureAwait(false);
                    continue;
                }

                for (var i = 0; i < batch; i++) targets[i] = random.Next(users);
                await PostAsync(path, targets).ConfigureAwait(false);
            }
        }));
    }

    /// <summary>Emits <paramref name="rate"/> events per second to random users until <paramref name="stop"/>, in small POSTs as they fall due.</summary>
    public async Task RunFixedRateAsync(int users, int rate, CancellationToken stop)
    {
        var random = new Random(7);
        var started = Stopwatch.GetTimestamp();
        long sent = 0;
        var pending = new List<Task>();
        while (!stop.IsCancellationRequested)
        {
            var due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * rate) - sent;
            if (due > 0)
            {
                var n = (int)Math.Min(due, 20);
                var targets = new int[n];
                for (var i = 0; i < n; i++) targets[i] = random.Next(users);
                pending.Add(PostAsync("emit", targets));
                sent += n;
                pending.RemoveAll(t => t.IsCompletedSuccessfully);
            }

            await Task.Delay(1, CancellationToken.None).ConfigureAwait(false);
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
    }
}
