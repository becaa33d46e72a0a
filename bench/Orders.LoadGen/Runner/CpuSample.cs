using System.Diagnostics;

namespace Orders.LoadGen.Runner;

/// <summary>CPU time so far of the three parties of the orders scenario: the API (every node), this generator and PostgreSQL.</summary>
internal readonly record struct CpuSample(TimeSpan Api, TimeSpan Generator, TimeSpan Postgres)
{
    public static CpuSample Take(IEnumerable<OrdersApiProcess> nodes, LocalPostgres pg)
    {
        using var self = Process.GetCurrentProcess();
        return new(nodes.Aggregate(TimeSpan.Zero, (sum, n) => sum + n.CpuTime()), self.TotalProcessorTime, pg.CpuTime());
    }

    public CpuSample Since(CpuSample earlier) => new(Api - earlier.Api, Generator - earlier.Generator, Postgres - earlier.Postgres);
}
