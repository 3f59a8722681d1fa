using Slim.Protocol.Wire;

namespace Slim.Protocol;

// Conversion between SlimName and the wire message:
//
//   Name { 1 name: EncodedName { 1..3 component_0..2: u64 hash, 4 name_id: NameId { 1 id_0: high u64, 2 id_1: low u64 } },
//          2 str_name: StringName { 1..3 str_component_0..2: string } }
public readonly partial struct SlimName
{
    /// <summary>
    /// Builds a new wire <c>Name</c>. It always carries the <c>EncodedName</c> with an explicit <c>name_id</c>
    /// (also for <see cref="AnyInstance"/>) and, when the strings are known, the <c>StringName</c>, exactly as
    /// official SLIM writes names.
    /// </summary>
    /// <remarks>
    /// The presence of <c>name_id</c> and <c>str_name</c> changes the per-link header MAC and the signed
    /// header-integrity AAD. Code that relays or answers a message must therefore reuse the wire <c>Name</c>
    /// objects it received rather than rebuild them from a <see cref="SlimName"/>: a rebuilt name can differ in
    /// those presence bits from what the peer sent (for example a peer that omitted <c>name_id</c>).
    /// </remarks>
    public Name ToWire()
    {
        var name = new Name
        {
            Name_ = new EncodedName
            {
                Component0 = OrganizationHash,
                Component1 = NamespaceHash,
                Component2 = ServiceHash,
                NameId = new NameId { Id0 = (ulong)(Id >> 64), Id1 = (ulong)Id },
            },
        };

        if (_organization is not null)
        {
            name.StrName = new StringName
            {
                StrComponent0 = _organization,
                StrComponent1 = _namespace,
                StrComponent2 = _service,
            };
        }

        return name;
    }

    /// <summary>
    /// Reads a wire <c>Name</c>. A missing <c>name_id</c> means <see cref="AnyInstance"/>; a missing
    /// <c>StringName</c> leaves the components unknown (the hashes are kept). Wire hashes are taken as sent, not
    /// recomputed from the strings. The strings are not validated (peers may send any text).
    /// </summary>
    /// <exception cref="SlimProtocolException">The name has no <c>EncodedName</c> (<see cref="SlimErrorCode.NameMissingEncoded"/>).</exception>
    public static SlimName FromWire(Name name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryFromWire(name, out var result)
            ? result
            : throw new SlimProtocolException(
                SlimErrorCode.NameMissingEncoded, "The wire Name has no EncodedName (field 1).");
    }

    /// <summary>Like <see cref="FromWire(Name)"/>, but returns false for a null name or one without <c>EncodedName</c>.</summary>
    public static bool TryFromWire(Name? name, out SlimName result)
    {
        var encoded = name?.Name_;
        if (encoded is null)
        {
            result = default;
            return false;
        }

        var nameId = encoded.NameId;
        var id = nameId is null ? UInt128.MaxValue : new UInt128(nameId.Id0, nameId.Id1);
        var strings = name!.StrName;
        result = strings is null
            ? new SlimName(null, null, null, encoded.Component0, encoded.Component1, encoded.Component2, id)
            : new SlimName(
                strings.StrComponent0,
                strings.StrComponent1,
                strings.StrComponent2,
                encoded.Component0,
                encoded.Component1,
                encoded.Component2,
                id);
        return true;
    }
}
