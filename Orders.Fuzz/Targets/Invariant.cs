namespace Orders.Fuzz.Targets;

/// <summary>A broken promise of a parser (not merely a refused input): thrown so that afl-fuzz records a crash.</summary>
internal sealed class InvariantException(string message) : Exception(message)
{
    public static void Check(bool holds, string promise)
    {
        if (!holds) throw new InvariantException(promise);
    }
}
