namespace Slim.Mls.KeySchedule;

/// <summary>How a pre-shared key was provisioned (RFC 9420 section 8.4).</summary>
public enum PskType : byte
{
    /// <summary>Reserved.</summary>
    Reserved = 0,

    /// <summary>Provided by the application.</summary>
    External = 1,

    /// <summary>The resumption PSK of an earlier epoch of some group.</summary>
    Resumption = 2,
}
