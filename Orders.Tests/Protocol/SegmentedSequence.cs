using System.Buffers;

namespace Orders.Tests.Protocol;

/// <summary>
/// Bytes as a <see cref="ReadOnlySequence{T}"/> cut at chosen points, the way a socket or a request body delivers
/// them in pieces: the parsers must read the same thing whatever the cuts.
/// </summary>
internal static class SegmentedSequence
{
    /// <summary>
    /// <paramref name="bytes"/> split before each of <paramref name="cuts"/> (positions, taken modulo the length plus
    /// one, so any integers will do; empty segments included on purpose).
    /// </summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, IEnumerable<int> cuts)
    {
        var points = cuts.Select(c => (int)((uint)c % (uint)(bytes.Length + 1))).Order().ToList();
        if (points.Count == 0) return new ReadOnlySequence<byte>(bytes);

        var first = new Segment(bytes.AsMemory(0, points[0]));
        var last = first;
        for (var i = 0; i < points.Count; i++)
        {
            var end = i + 1 < points.Count ? points[i + 1] : bytes.Length;
            // Each piece in its own array, as separate reads would hand them over.
            last = last.Append(bytes.AsSpan(points[i], end - points[i]).ToArray());
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
