using System.Buffers;

namespace Orders.Fuzz.Targets;

/// <summary>Bytes as a sequence of two segments, as two reads off a socket would deliver them.</summary>
internal static class TwoSegments
{
    public static ReadOnlySequence<byte> Of(byte[] bytes, int cut)
    {
        var first = new Segment(bytes.AsMemory(0, cut).ToArray(), 0);
        var second = first.Append(bytes.AsMemory(cut).ToArray());
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
