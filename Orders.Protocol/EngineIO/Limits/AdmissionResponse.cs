using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Orders.Protocol.Diagnostics;

namespace Orders.Protocol.EngineIO.Limits;

/// <summary>
/// The HTTP path's admission of a handshake (<see cref="AdmitAsync"/>), and a refused handshake's answer: HTTP 429
/// with Engine.IO's error body. Code 4 is what the reference server answers when its <c>allowRequest</c> refuses a
/// handshake, with the reason as the message; socket.io-client treats it like any failed handshake and tries again
/// after its reconnection delay.
/// </summary>
internal static class AdmissionResponse
{
    public const int Code = 4;
    public const string TooManyHandshakesMessage = "Too many handshakes from this address";
    public const string TooManySessionsMessage = "Too many sessions from this address";

    private static readonly byte[] TooManyHandshakesBody = Body(TooManyHandshakesMessage);
    private static readonly byte[] TooManySessionsBody = Body(TooManySessionsMessage);

    /// <summary>Admits a handshake that came through ASP.NET Core, or answers it with 429 and Engine.IO's error body.</summary>
    public static async ValueTask<Admission> AdmitAsync(SessionAdmission admission, HttpContext context, ProtocolMetrics metrics, ILogger logger)
    {
        if (!admission.IsEnabled) return Admission.Admitted(null);
        var remote = context.Connection.RemoteIpAddress;
        var admitted = admission.Admit(remote);
        if (admitted.IsAdmitted) return admitted;

        var reason = ReasonName(admitted.Refusal);
        metrics.HandshakeRefused(reason);
        EngineIOServer.Log.HandshakeRefused(logger, remote, reason);
        await WriteAsync(context, admitted).ConfigureAwait(false);
        return admitted;
    }

    public static Task WriteAsync(HttpContext context, Admission refused)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.ContentType = "application/json";
        if (refused.RetryAfter is { } wait)
        {
            response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        var body = refused.Refusal == AdmissionRefusal.TooManySessions ? TooManySessionsBody : TooManyHandshakesBody;
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }

    /// <summary>The reason as the <c>reason</c> tag of <c>engineio.handshake_refusals</c> and in logs.</summary>
    public static string ReasonName(AdmissionRefusal refusal) =>
        refusal == AdmissionRefusal.TooManySessions ? "too many sessions" : "too many handshakes";

    private static byte[] Body(string message) => Encoding.UTF8.GetBytes($"{{\"code\":{Code},\"message\":\"{message}\"}}");
}
