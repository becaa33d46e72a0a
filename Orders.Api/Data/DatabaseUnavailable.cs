using System.Net.Sockets;
using Npgsql;

namespace Orders.Api.Data;

// What "the database cannot be reached right now" looks like, wherever it surfaces: a refused or cut connection, a
// timeout, or a server that is starting up or shutting down (Npgsql marks those transient). A refusal the database
// means (a wrong password, an unknown role, a failed statement) is not one: waiting would not change it.
internal static class DatabaseUnavailable
{
    public static bool Is(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { IsTransient: true } or SocketException or TimeoutException
                || (e is NpgsqlException && e.InnerException is SocketException or IOException or TimeoutException))
            {
                return true;
            }
        }

        return false;
    }
}
