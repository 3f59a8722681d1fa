using Slim.Protocol;

namespace Slim.DataPlane.Tables.Internal;

/// <summary>The three component hashes of a name: the first level of the subscription table.</summary>
internal readonly struct PrefixKey : IEquatable<PrefixKey>
{
    public PrefixKey(ulong c0, ulong c1, ulong c2)
    {
        C0 = c0;
        C1 = c1;
        C2 = c2;
    }

    public ulong C0 { get; }

    public ulong C1 { get; }

    public ulong C2 { get; }

    public static PrefixKey Of(in SlimName name) => new(name.OrganizationHash, name.NamespaceHash, name.ServiceHash);

    public bool Equals(PrefixKey other) => C0 == other.C0 && C1 == other.C1 && C2 == other.C2;

    public override bool Equals(object? obj) => obj is PrefixKey other && Equals(other);

    // HashCode is randomly seeded per process: peers choosing component values cannot flood one bucket.
    public override int GetHashCode() => HashCode.Combine(C0, C1, C2);
}

/// <summary>A full name key (prefix and instance id) for the table's bookkeeping.</summary>
internal readonly record struct NameKey(PrefixKey Prefix, UInt128 Id);
