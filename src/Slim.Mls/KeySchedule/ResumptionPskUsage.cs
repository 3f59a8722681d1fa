namespace Slim.Mls.KeySchedule;

/// <summary>Why a resumption PSK is injected (RFC 9420 section 8.4).</summary>
public enum ResumptionPskUsage : byte
{
    /// <summary>Reserved.</summary>
    Reserved = 0,

    /// <summary>Application use.</summary>
    Application = 1,

    /// <summary>Group reinitialization.</summary>
    Reinit = 2,

    /// <summary>Subgroup branching.</summary>
    Branch = 3,
}
