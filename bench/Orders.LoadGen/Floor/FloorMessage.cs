using System.Buffers.Binary;

namespace Orders.LoadGen.Floor;

/// <summary>
/// What the floor sends each client per broadcast: as long as the frame a client of either server receives for a
/// broadcast (about 200 bytes), with the broadcast's number and its start time (Stopwatch ticks) up front.
/// </summary>
internal static class FloorMessage
{
    public const int Length = 200;

    public static void Write(Span<byte> message, long seq, long startTicks)
    {
        BinaryPrimitives.WriteInt64LittleEndian(message, seq);
        BinaryPrimitives.WriteInt64LittleEndian(message[8..], startTicks);
    }

    public static (long Seq, long StartTicks) Read(ReadOnlySpan<byte> message) =>
        (BinaryPrimitives.ReadInt64LittleEndian(message), BinaryPrimitives.ReadInt64LittleEndian(message[8..]));
}
