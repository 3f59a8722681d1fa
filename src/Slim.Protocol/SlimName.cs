using System.Buffers;
using System.Diagnostics;
using System.Text;
using Slim.Protocol.Hashing;

namespace Slim.Protocol;

/// <summary>
/// A SLIM name: three components (organization, namespace, service), their 64-bit hashes, and a 128-bit
/// instance id. Names address apps, channels and sessions; the data plane routes on the hashes and the id.
/// </summary>
/// <remarks>
/// <para>
/// <b>Equality is hash-only.</b> Two names are equal (the same route key) when their three component hashes and
/// their ids are equal. The strings are carried for display and for the bytes SLIM signs and MACs (the
/// <c>StringName</c> part of a wire name), but they do not take part in equality or <see cref="GetHashCode"/>.
/// A name decoded from a wire <c>Name</c> without a <c>StringName</c> has unknown components
/// (<see cref="HasComponentStrings"/> is false) and still compares equal to the same name built from strings.
/// </para>
/// <para>
/// Component hash = XXH64, seed 0, over the UTF-8 bytes of the component followed by one 0xFF byte
/// (<see cref="HashComponent(string)"/>). The instance id <see cref="AnyInstance"/> (all ones, SLIM's
/// <c>NULL_COMPONENT</c>) means "any instance" in a destination; ids at or above <see cref="FirstReservedId"/>
/// are reserved and never given to an app.
/// </para>
/// <para>
/// <c>default(SlimName)</c> is not a valid name (all hashes zero, id 0, no strings); see <see cref="IsDefault"/>.
/// </para>
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public readonly partial struct SlimName : IEquatable<SlimName>, IFormattable
{
    /// <summary>The id meaning "any instance" (u128::MAX, shown as <c>NULL_COMPONENT</c> by official SLIM).</summary>
    public static readonly UInt128 AnyInstance = UInt128.MaxValue;

    /// <summary>The lowest reserved id: ids <c>&gt;= u128::MAX - 50</c> are never assigned to an app or channel.</summary>
    public static readonly UInt128 FirstReservedId = UInt128.MaxValue - 50;

    private readonly string? _organization;
    private readonly string? _namespace;
    private readonly string? _service;

    /// <summary>Creates the name <c>organization/namespace/service</c> addressing any instance.</summary>
    /// <exception cref="SlimNameFormatException">A component is empty or contains '/', white space or a control character.</exception>
    public SlimName(string organization, string @namespace, string service)
        : this(organization, @namespace, service, UInt128.MaxValue)
    {
    }

    /// <summary>Creates the name <c>organization/namespace/service</c> with the instance <paramref name="id"/>.</summary>
    /// <exception cref="SlimNameFormatException">A component is empty or contains '/', white space or a control character.</exception>
    public SlimName(string organization, string @namespace, string service, UInt128 id)
    {
        ArgumentNullException.ThrowIfNull(organization);
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(service);
        ThrowIfInvalidComponent(organization, 0);
        ThrowIfInvalidComponent(@namespace, 1);
        ThrowIfInvalidComponent(service, 2);
        _organization = organization;
        _namespace = @namespace;
        _service = service;
        OrganizationHash = HashComponent(organization);
        NamespaceHash = HashComponent(@namespace);
        ServiceHash = HashComponent(service);
        Id = id;
    }

    private SlimName(string? organization, string? @namespace, string? service, ulong h0, ulong h1, ulong h2, UInt128 id)
    {
        _organization = organization;
        _namespace = @namespace;
        _service = service;
        OrganizationHash = h0;
        NamespaceHash = h1;
        ServiceHash = h2;
        Id = id;
    }

    /// <summary>The first component, or null when the name was decoded without its strings.</summary>
    public string? Organization => _organization;

    /// <summary>The second component, or null when the name was decoded without its strings.</summary>
    public string? Namespace => _namespace;

    /// <summary>The third component, or null when the name was decoded without its strings.</summary>
    public string? Service => _service;

    /// <summary>XXH64 hash of the first component (wire <c>component_0</c>).</summary>
    public ulong OrganizationHash { get; }

    /// <summary>XXH64 hash of the second component (wire <c>component_1</c>).</summary>
    public ulong NamespaceHash { get; }

    /// <summary>XXH64 hash of the third component (wire <c>component_2</c>).</summary>
    public ulong ServiceHash { get; }

    /// <summary>The 128-bit instance id; <see cref="AnyInstance"/> for "any instance".</summary>
    public UInt128 Id { get; }

    /// <summary>True when the id is <see cref="AnyInstance"/> (the name is a prefix that matches every instance).</summary>
    public bool IsAnyInstance => Id == UInt128.MaxValue;

    /// <summary>True when the three component strings are known (always, except for some decoded wire names).</summary>
    public bool HasComponentStrings => _organization is not null;

    /// <summary>True for <c>default(SlimName)</c>, which is not a usable name.</summary>
    public bool IsDefault =>
        _organization is null && OrganizationHash == 0 && NamespaceHash == 0 && ServiceHash == 0 && Id == 0;

    /// <summary>
    /// A name with known hashes but unknown strings, e.g. from a wire name without <c>StringName</c>.
    /// Such a name cannot produce a wire <c>StringName</c>.
    /// </summary>
    public static SlimName FromHashes(ulong organizationHash, ulong namespaceHash, ulong serviceHash, UInt128 id) =>
        new(null, null, null, organizationHash, namespaceHash, serviceHash, id);

    /// <summary>True when <paramref name="id"/> is reserved (<c>&gt;= u128::MAX - 50</c>, including <see cref="AnyInstance"/>).</summary>
    public static bool IsReservedId(UInt128 id) => id >= FirstReservedId;

    /// <summary>This name with the instance id replaced.</summary>
    public SlimName WithId(UInt128 id) =>
        new(_organization, _namespace, _service, OrganizationHash, NamespaceHash, ServiceHash, id);

    /// <summary>This name addressing any instance (the prefix).</summary>
    public SlimName WithoutId() => WithId(UInt128.MaxValue);

    /// <summary>True when both names have the same three component hashes, whatever their ids.</summary>
    public bool HasSamePrefix(SlimName other) =>
        OrganizationHash == other.OrganizationHash
        && NamespaceHash == other.NamespaceHash
        && ServiceHash == other.ServiceHash;

    /// <summary>
    /// The SLIM component hash: XXH64 (seed 0) of the UTF-8 bytes of <paramref name="component"/> followed by
    /// one 0xFF byte (what Rust's <c>Hash for str</c> feeds the hasher).
    /// </summary>
    public static ulong HashComponent(string component)
    {
        ArgumentNullException.ThrowIfNull(component);
        return HashComponent(component.AsSpan());
    }

    /// <inheritdoc cref="HashComponent(string)"/>
    public static ulong HashComponent(ReadOnlySpan<char> component)
    {
        const int StackLimit = 256;
        var maxBytes = Encoding.UTF8.GetMaxByteCount(component.Length);
        if (maxBytes <= StackLimit)
        {
            Span<byte> buffer = stackalloc byte[StackLimit];
            var written = Encoding.UTF8.GetBytes(component, buffer);
            return XxHash64.HashWithSuffix(buffer[..written], 0xFF);
        }

        var rented = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            var written = Encoding.UTF8.GetBytes(component, rented);
            return XxHash64.HashWithSuffix(rented.AsSpan(0, written), 0xFF);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <inheritdoc/>
    public bool Equals(SlimName other) =>
        OrganizationHash == other.OrganizationHash
        && NamespaceHash == other.NamespaceHash
        && ServiceHash == other.ServiceHash
        && Id == other.Id;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SlimName other && Equals(other);

    /// <summary>
    /// Combines the three hashes and the id with <see cref="HashCode"/> (randomly seeded per process, so peers
    /// choosing wire hash values cannot flood a dictionary bucket).
    /// </summary>
    public override int GetHashCode() => HashCode.Combine(OrganizationHash, NamespaceHash, ServiceHash, Id);

    /// <summary>Hash-only equality (see the type remarks).</summary>
    public static bool operator ==(SlimName left, SlimName right) => left.Equals(right);

    /// <summary>Hash-only inequality (see the type remarks).</summary>
    public static bool operator !=(SlimName left, SlimName right) => !left.Equals(right);
}
