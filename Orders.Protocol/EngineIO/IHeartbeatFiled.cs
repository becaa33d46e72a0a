namespace Orders.Protocol.EngineIO;

/// <summary>Where a <see cref="HeartbeatWheel{TSession}"/> has an entry filed; read and written only under the wheel's lock.</summary>
internal interface IHeartbeatFiled
{
    const long NotFiled = -1;

    /// <summary>The absolute slot the entry is filed in, or <see cref="NotFiled"/>.</summary>
    long WheelSlot { get; set; }

    /// <summary>The entry's place in its slot's bucket.</summary>
    int WheelIndex { get; set; }
}
