namespace Slim.Mls.SecretTree;

/// <summary>Limits that bound the work and memory a receiver spends on delayed or reordered messages (RFC 9420 section 15.3).</summary>
public sealed record SecretTreeOptions
{
    /// <summary>Defaults: 32 retained out-of-order keys per ratchet, 1024 generations of forward skip.</summary>
    public static SecretTreeOptions Default { get; } = new();

    /// <summary>
    /// How many generations behind the newest one a receiver keeps unused keys for (per sender and ratchet), so a late
    /// message still decrypts. Older keys are deleted. 0 accepts only in-order or forward messages.
    /// </summary>
    public uint OutOfOrderTolerance { get; init; } = 32;

    /// <summary>How far ahead of the next expected generation a message may be before it is refused without work.</summary>
    public uint MaximumForwardDistance { get; init; } = 1024;
}
