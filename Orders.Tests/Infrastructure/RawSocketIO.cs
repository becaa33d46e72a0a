using System.Text;

namespace Orders.Tests.Infrastructure;

// Engine.IO long-polling by hand, to see the exact packets of a handshake (connect_error data included).
internal sealed class RawSocketIO(HttpClient http)
{
    private string? _sid;

    // Opens an Engine.IO session; `configure` adds headers (Authorization, Cookie) to the handshake request.
    public async Task OpenAsync(Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/socket.io/?EIO=4&transport=polling");
        configure?.Invoke(request);
        using var response = await http.SendAsync(request).Within();
        response.EnsureSuccessStatusCode();
        var open = await response.Content.ReadAsStringAsync().Within();
        if (!open.StartsWith('0'))
        {
            throw new InvalidOperationException($"Unexpected open packet: {open}");
        }

        using var json = System.Text.Json.JsonDocument.Parse(open[1..]);
        _sid = json.RootElement.GetProperty("sid").GetString();
    }

    public async Task SendAsync(string packet)
    {
        using var content = new StringContent(packet, Encoding.UTF8, "text/plain");
        using var response = await http.PostAsync(new Uri($"/socket.io/?EIO=4&transport=polling&sid={_sid}", UriKind.Relative), content).Within();
        response.EnsureSuccessStatusCode();
    }

    public async Task<string> PollAsync()
    {
        using var response = await http.GetAsync(new Uri($"/socket.io/?EIO=4&transport=polling&sid={_sid}", UriKind.Relative)).Within();
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync().Within();
    }

    // Sends CONNECT to the main namespace and returns the server's answer (40... or 44...).
    public async Task<string> ConnectAsync(string? authJson = null)
    {
        await SendAsync(authJson is null ? "40" : "40" + authJson);
        return await PollAsync();
    }
}
