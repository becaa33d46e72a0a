using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Orders.Protocol.EngineIO.Limits;

namespace Orders.Protocol.EngineIO;

/// <summary>Per-address limits on new sessions (<see cref="EngineIOOptions.Limits"/>), for both ways a handshake arrives.</summary>
internal sealed partial class EngineIOServer
{
    /// <summary>
    /// The connection path's question (a WebSocket handshake seen before Kestrel's HTTP layer): a refusal is neither
    /// answered nor counted here, since the connection then goes on to the HTTP path, which asks again (a refusal
    /// took nothing) and answers it.
    /// </summary>
    internal Admission Admit(IPAddress? remoteAddress) => _admission.Admit(remoteAddress);

    /// <summary>Admits a handshake that came through ASP.NET Core, or answers it with 429 and Engine.IO's error body.</summary>
    private async ValueTask<Admission> AdmitAsync(HttpContext context)
    {
        if (!_admission.IsEnabled) return Admission.Admitted(null);
        var remote = context.Connection.RemoteIpAddress;
        var admission = _admission.Admit(remote);
        if (admission.IsAdmitted) return admission;

        var reason = AdmissionResponse.ReasonName(admission.Refusal);
        _metrics.HandshakeRefused(reason);
        Log.HandshakeRefused(_logger, remote, reason);
        await AdmissionResponse.WriteAsync(context, admission).ConfigureAwait(false);
        return admission;
    }

    private static partial class Log
    {
        [LoggerMessage(8, LogLevel.Debug, "Engine.IO handshake from {RemoteAddress} refused: {Reason}")]
        public static partial void HandshakeRefused(ILogger logger, IPAddress? remoteAddress, string reason);
    }
}
