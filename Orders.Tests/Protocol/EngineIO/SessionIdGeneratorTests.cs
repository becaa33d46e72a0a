using System.Collections.Concurrent;
using Orders.Protocol.EngineIO;

namespace Orders.Tests.Protocol.EngineIO;

/// <summary>Session and socket ids are fetched from the CSPRNG in blocks: no block may hand out an id twice.</summary>
public sealed class SessionIdGeneratorTests
{
    [Test]
    public void Ids_are_24_url_safe_characters_and_never_repeat_across_refills()
    {
        // 1,000 ids span many blocks of 64, so a block reused, not refilled or read at the wrong offset shows here.
        var ids = Enumerable.Range(0, 1_000).Select(_ => SessionIdGenerator.NewId()).ToList();

        ids.Should().OnlyHaveUniqueItems();
        ids.Should().AllSatisfy(id => id.Should().MatchRegex("^[A-Za-z0-9_-]{24}$"));
    }

    [Test]
    public async Task Threads_drawing_ids_at_once_never_share_one()
    {
        var ids = new ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++) ids.Add(SessionIdGenerator.NewId());
        }));

        await Task.WhenAll(threads);

        ids.Should().HaveCount(2_000).And.OnlyHaveUniqueItems();
    }
}
