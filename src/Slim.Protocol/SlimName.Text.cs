using System.Globalization;
using System.Text;

namespace Slim.Protocol;

// Text form of a name: parsing user input and display.
//
//   org/namespace/service            any instance
//   org/namespace/service/<id>       <id> = 979bbda1-cd06-67c2-2c25-f742fc4a6513 (the u128 as a hyphenated,
//                                    big-endian UUID), NULL_COMPONENT, or a decimal u128
public readonly partial struct SlimName
{
    /// <summary>The text official SLIM prints for <see cref="AnyInstance"/>.</summary>
    public const string NullComponentText = "NULL_COMPONENT";

    private static readonly string[] ComponentLabels = ["organization", "namespace", "service", "id"];

    /// <summary>
    /// Parses <c>org/namespace/service</c> or <c>org/namespace/service/id</c>. The id is the hyphenated UUID form
    /// of the u128 (either case), the literal <c>NULL_COMPONENT</c>, or a decimal u128. Components must be
    /// non-empty and free of white space and control characters.
    /// </summary>
    /// <exception cref="SlimNameFormatException">The text is not a valid name; the error code says why.</exception>
    public static SlimName Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParseCore(text, out var name, out var code, out var error)
            ? name
            : throw new SlimNameFormatException(code, error!);
    }

    /// <summary>Like <see cref="Parse(string)"/>, but returns false instead of throwing.</summary>
    public static bool TryParse(string? text, out SlimName name)
    {
        if (text is null)
        {
            name = default;
            return false;
        }

        return TryParseCore(text, out name, out _, out _);
    }

    /// <summary>Like <see cref="Parse(string)"/>, but returns false and the reason instead of throwing.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out SlimName name, out SlimErrorCode errorCode, out string? error) =>
        TryParseCore(text, out name, out errorCode, out error);

    /// <summary>
    /// The display form of an instance id: the hyphenated lowercase UUID of the u128 (high half first), or
    /// <c>NULL_COMPONENT</c> for <see cref="AnyInstance"/>.
    /// </summary>
    public static string FormatInstanceId(UInt128 id)
    {
        if (id == UInt128.MaxValue)
        {
            return NullComponentText;
        }

        Span<char> buffer = stackalloc char[36];
        WriteUuid(id, buffer);
        return new string(buffer);
    }

    /// <summary>Parses an instance id in any of the forms <see cref="Parse(string)"/> accepts.</summary>
    public static bool TryParseInstanceId(ReadOnlySpan<char> text, out UInt128 id)
    {
        if (text.SequenceEqual(NullComponentText))
        {
            id = UInt128.MaxValue;
            return true;
        }

        if (text.Length == 36 && TryParseUuid(text, out id))
        {
            return true;
        }

        // Decimal: digits only (no sign, no white space, no separators), at most u128::MAX.
        if (text.Length is > 0 and <= 39 && !text.ContainsAnyExceptInRange('0', '9'))
        {
            return UInt128.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);
        }

        id = default;
        return false;
    }

    /// <summary>
    /// <c>org/namespace/service/&lt;uuid&gt;</c>, or <c>org/namespace/service</c> when the id is
    /// <see cref="AnyInstance"/>. This form parses back to an equal name. Components whose strings are unknown
    /// print as <c>#</c> and 16 hex digits of their hash.
    /// </summary>
    public override string ToString() => Format('G');

    /// <summary>
    /// Formats the name. <c>"G"</c> (or null/empty): as <see cref="ToString()"/>. <c>"F"</c>: always four parts,
    /// with <c>NULL_COMPONENT</c> for any instance (the official SLIM display). <c>"P"</c>: the prefix only
    /// (<c>org/namespace/service</c>), whatever the id.
    /// </summary>
    /// <exception cref="FormatException">Unknown format string.</exception>
    public string ToString(string? format, IFormatProvider? formatProvider = null) => format switch
    {
        null or "" or "G" or "g" => Format('G'),
        "F" or "f" => Format('F'),
        "P" or "p" => Format('P'),
        _ => throw new FormatException($"Unknown SlimName format '{format}'; use G, F or P."),
    };

    private string Format(char style)
    {
        var builder = new StringBuilder(64);
        AppendComponent(builder, _organization, OrganizationHash).Append('/');
        AppendComponent(builder, _namespace, NamespaceHash).Append('/');
        AppendComponent(builder, _service, ServiceHash);
        if (style == 'P' || (style == 'G' && IsAnyInstance))
        {
            return builder.ToString();
        }

        builder.Append('/');
        if (IsAnyInstance)
        {
            builder.Append(NullComponentText);
        }
        else
        {
            Span<char> uuid = stackalloc char[36];
            WriteUuid(Id, uuid);
            builder.Append(uuid);
        }

        return builder.ToString();
    }

    private static StringBuilder AppendComponent(StringBuilder builder, string? component, ulong hash) =>
        component is not null
            ? builder.Append(component)
            : builder.Append('#').Append(hash.ToString("x16", CultureInfo.InvariantCulture));

    private static void WriteUuid(UInt128 id, Span<char> destination)
    {
        // 8-4-4-4-12 lowercase hex digits of the big-endian u128.
        Span<char> hex = stackalloc char[32];
        ((ulong)(id >> 64)).TryFormat(hex, out _, "x16", CultureInfo.InvariantCulture);
        ((ulong)id).TryFormat(hex[16..], out _, "x16", CultureInfo.InvariantCulture);
        hex[..8].CopyTo(destination);
        destination[8] = '-';
        hex[8..12].CopyTo(destination[9..]);
        destination[13] = '-';
        hex[12..16].CopyTo(destination[14..]);
        destination[18] = '-';
        hex[16..20].CopyTo(destination[19..]);
        destination[23] = '-';
        hex[20..].CopyTo(destination[24..]);
    }

    private static bool TryParseUuid(ReadOnlySpan<char> text, out UInt128 id)
    {
        id = default;
        if (text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-')
        {
            return false;
        }

        Span<char> hex = stackalloc char[32];
        text[..8].CopyTo(hex);
        text[9..13].CopyTo(hex[8..]);
        text[14..18].CopyTo(hex[12..]);
        text[19..23].CopyTo(hex[16..]);
        text[24..].CopyTo(hex[20..]);
        if (!ulong.TryParse(hex[..16], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var high)
            || !ulong.TryParse(hex[16..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low))
        {
            return false;
        }

        id = new UInt128(high, low);
        return true;
    }

    private static bool TryParseCore(
        ReadOnlySpan<char> text, out SlimName name, out SlimErrorCode errorCode, out string? error)
    {
        name = default;
        errorCode = SlimErrorCode.Unspecified;
        error = null;

        if (text.IsEmpty)
        {
            return Fail(SlimErrorCode.NameFormat, "A SLIM name is empty; expected 'org/namespace/service[/id]'.", out errorCode, out error);
        }

        Span<Range> parts = stackalloc Range[5];
        var count = text.Split(parts, '/');
        if (count is < 3 or > 4)
        {
            var found = count > 4 ? "more than 4" : count.ToString(CultureInfo.InvariantCulture);
            return Fail(
                SlimErrorCode.NameComponentCount,
                $"A SLIM name has 3 or 4 '/'-separated parts ('org/namespace/service[/id]'); found {found} in '{Quote(text)}'.",
                out errorCode,
                out error);
        }

        for (var i = 0; i < count; i++)
        {
            var part = text[parts[i]];
            if (part.IsEmpty)
            {
                return Fail(
                    SlimErrorCode.NameEmptyComponent,
                    $"The {ComponentLabels[i]} part of the SLIM name '{Quote(text)}' is empty.",
                    out errorCode,
                    out error);
            }

            if (IndexOfInvalidChar(part) is var bad and >= 0)
            {
                return Fail(
                    SlimErrorCode.NameInvalidCharacter,
                    $"The {ComponentLabels[i]} part of the SLIM name '{Quote(text)}' contains white space or a control character (U+{(int)part[bad]:X4}).",
                    out errorCode,
                    out error);
            }
        }

        var id = UInt128.MaxValue;
        if (count == 4 && !TryParseInstanceId(text[parts[3]], out id))
        {
            return Fail(
                SlimErrorCode.NameInvalidId,
                $"The id part of the SLIM name '{Quote(text)}' must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), {NullComponentText} or a decimal u128.",
                out errorCode,
                out error);
        }

        var organization = text[parts[0]].ToString();
        var @namespace = text[parts[1]].ToString();
        var service = text[parts[2]].ToString();
        name = new SlimName(
            organization,
            @namespace,
            service,
            HashComponent(organization),
            HashComponent(@namespace),
            HashComponent(service),
            id);
        return true;
    }

    private static bool Fail(SlimErrorCode code, string message, out SlimErrorCode errorCode, out string? error)
    {
        errorCode = code;
        error = message;
        return false;
    }

    private static int IndexOfInvalidChar(ReadOnlySpan<char> part)
    {
        for (var i = 0; i < part.Length; i++)
        {
            if (char.IsWhiteSpace(part[i]) || char.IsControl(part[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Quote(ReadOnlySpan<char> text)
    {
        // Keep error messages bounded and printable.
        const int Max = 120;
        var shown = text.Length > Max ? text[..Max] : text;
        var builder = new StringBuilder(shown.Length + 8);
        foreach (var c in shown)
        {
            if (char.IsControl(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        if (text.Length > Max)
        {
            builder.Append('…');
        }

        return builder.ToString();
    }

    private static void ThrowIfInvalidComponent(string component, int index)
    {
        if (component.Length == 0)
        {
            throw new SlimNameFormatException(
                SlimErrorCode.NameEmptyComponent, $"The {ComponentLabels[index]} component of a SLIM name is empty.");
        }

        if (component.Contains('/'))
        {
            throw new SlimNameFormatException(
                SlimErrorCode.NameInvalidCharacter,
                $"The {ComponentLabels[index]} component '{Quote(component)}' of a SLIM name contains '/'.");
        }

        if (IndexOfInvalidChar(component) is var bad and >= 0)
        {
            throw new SlimNameFormatException(
                SlimErrorCode.NameInvalidCharacter,
                $"The {ComponentLabels[index]} component '{Quote(component)}' of a SLIM name contains white space or a control character (U+{(int)component[bad]:X4}).");
        }
    }
}
