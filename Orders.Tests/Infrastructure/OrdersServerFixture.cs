namespace Orders.Tests.Infrastructure;

/// <summary>One real service per test class, an admin client, and fresh user names so tests never share a room.</summary>
public abstract class OrdersServerFixture
{
    private protected OrdersServer Server { get; private set; } = null!;

    private protected HttpClient Admin { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartServerAsync()
    {
        Server = await OrdersServer.StartAsync();
        Admin = Server.ClientFor("ops", admin: true);
    }

    [OneTimeTearDown]
    public async Task StopServerAsync()
    {
        Admin.Dispose();
        await Server.DisposeAsync();
    }

    protected static string NewUser() => "user-" + Guid.NewGuid().ToString("N")[..8];
}
