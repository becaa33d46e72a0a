using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Orders.LoadGen.Floor;

namespace Orders.LoadGen.Runner;

/// <summary>
/// The floor under the broadcast's time to its last recipient: <see cref="FloorSender"/> on the server's core sends
/// one message to each of as many plain TCP clients as the broadcast has, one broadcast at a time with the same warm-up and pause,
/// and <see cref="FloorReceiver"/> on the generator's core times each to its last recipient. On loopback the server's
/// core also runs the clients' TCP receive, so this is what any server would take here before doing any work of its
/// own; the table sets it beside Node's figure.
/// </summary>
internal sealed class FloorScenario(BenchSettings settings)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task RunAsync(int port, RunResult r)
    {
        var lines = Channel.CreateUnbounded<string>();
        var command = SelfCommand.With("floor-sender", port.ToString(CultureInfo.InvariantCulture), settings.Clients.ToString(CultureInfo.InvariantCulture));
        await using var sender = PinnedProcess.Start(settings, command, new Dictionary<string, string>(), line => lines.Writer.TryWrite(line), commands: true);
        await ExpectAsync(lines, "listening", sender).ConfigureAwait(false);
        using var receiver = FloorReceiver.Connect(port, settings.Clients);
        await ExpectAsync(lines, "connected", sender).ConfigureAwait(false);

        var times = new List<double>();
        for (var seq = 0; seq < Scenarios.TtlWarmupBroadcasts + settings.TtlBroadcasts; seq++)
        {
            var arrived = receiver.Expect(seq);
            await sender.WriteLineAsync($"send {seq} {Stopwatch.GetTimestamp()}").ConfigureAwait(false);
            var reply = await NextAsync(lines, sender).ConfigureAwait(false);
            r.Check(reply == "sent 0", $"floor broadcast {seq}: {reply}");
            double ms;
            try
            {
                ms = await arrived.WaitAsync(Timeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                r.Problems.Add($"floor broadcast {seq} did not reach every client within {Timeout.TotalSeconds} s");
                return;
            }

            if (seq >= Scenarios.TtlWarmupBroadcasts) times.Add(ms);
            await Task.Delay(Scenarios.TtlPause).ConfigureAwait(false);
        }

        Scenarios.RecordLastRecipientTimes(r, times);
    }

    private static async Task ExpectAsync(Channel<string> lines, string expected, PinnedProcess sender)
    {
        var line = await NextAsync(lines, sender).ConfigureAwait(false);
        if (line != expected) throw new InvalidOperationException($"floor sender said \"{line}\", not \"{expected}\":\n{sender.RecentOutput}");
    }

    private static async Task<string> NextAsync(Channel<string> lines, PinnedProcess sender)
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            return await lines.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"floor sender silent for {Timeout.TotalSeconds} s:\n{sender.RecentOutput}");
        }
    }
}
