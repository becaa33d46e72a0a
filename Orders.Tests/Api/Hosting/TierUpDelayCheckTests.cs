using Microsoft.Extensions.Logging;
using Orders.Api.Hosting;

namespace Orders.Tests.Api.Hosting;

public sealed class TierUpDelayCheckTests
{
    [Test]
    public void One_cpu_without_the_variable_warns_and_names_it()
    {
        var logger = new RecordingLogger();
        TierUpDelayCheck.Warn(logger, processorCount: 1, _ => null);
        logger.Entries.Should().ContainSingle()
            .Which.Should().Match<(LogLevel Level, string Message)>(e =>
                e.Level == LogLevel.Warning && e.Message.Contains("DOTNET_TC_CallCountingDelayMs=0"));
    }

    [TestCase("DOTNET_TC_CallCountingDelayMs")]
    [TestCase("COMPlus_TC_CallCountingDelayMs")]
    public void One_cpu_with_the_variable_set_is_quiet(string variable)
    {
        var logger = new RecordingLogger();
        TierUpDelayCheck.Warn(logger, processorCount: 1, name => name == variable ? "0" : null);
        logger.Entries.Should().BeEmpty();
    }

    [Test]
    public void Several_cpus_are_quiet()
    {
        var logger = new RecordingLogger();
        TierUpDelayCheck.Warn(logger, processorCount: 2, _ => null);
        logger.Entries.Should().BeEmpty();
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
