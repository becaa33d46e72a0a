using System.Text;
using Microsoft.AspNetCore.Http;

namespace Orders.Protocol.EngineIO;

/// <summary>The error codes and messages of the reference engine.io server, answered as a JSON body.</summary>
internal static class EngineError
{
    public const int UnknownTransport = 0;
    public const int UnknownSid = 1;
    public const int BadHandshakeMethod = 2;
    public const int BadRequest = 3;
    public const int Forbidden = 4;
    public const int UnsupportedProtocolVersion = 5;

    private static readonly byte[][] Bodies =
    [
        Encode(UnknownTransport, "Transport unknown"),
        Encode(UnknownSid, "Session ID unknown"),
        Encode(BadHandshakeMethod, "Bad handshake method"),
        Encode(BadRequest, "Bad request"),
        Encode(Forbidden, "Forbidden"),
        Encode(UnsupportedProtocolVersion, "Unsupported protocol version"),
    ];

    public static string Message(int code) => code switch
    {
        UnknownTransport => "Transport unknown",
        UnknownSid => "Session ID unknown",
        BadHandshakeMethod => "Bad handshake method",
        BadRequest => "Bad request",
        Forbidden => "Forbidden",
        _ => "Unsupported protocol version",
    };

    public static Task WriteAsync(HttpContext context, int code)
    {
        context.Response.StatusCode = code == Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest;
        context.Response.ContentType = "application/json";
        return context.Response.Body.WriteAsync(Bodies[code]).AsTask();
    }

    private static byte[] Encode(int code, string message) =>
        Encoding.UTF8.GetBytes($"{{\"code\":{code},\"message\":\"{message}\"}}");
}
