namespace Orders.Protocol.EngineIO.Limits;

/// <summary>Why a handshake was refused.</summary>
internal enum AdmissionRefusal
{
    None,
    TooManyHandshakes,
    TooManySessions,
}
