namespace Orders.LoadGen.Runner;

/// <summary>The command line that starts this program again in another mode (a worker, the floor's sender).</summary>
internal static class SelfCommand
{
    /// <summary>The host, the assembly when the host is <c>dotnet</c>, then <paramref name="args"/>.</summary>
    public static List<string> With(params string[] args)
    {
        var host = Environment.ProcessPath!;
        List<string> command = [host];
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") command.Add(typeof(SelfCommand).Assembly.Location);
        command.AddRange(args);
        return command;
    }
}
