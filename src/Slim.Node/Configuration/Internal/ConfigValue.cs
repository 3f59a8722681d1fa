using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Slim.Node.Configuration.Internal;

/// <summary>
/// One value of the YAML document with its key path, read as the type the schema expects. Every conversion failure
/// becomes a <see cref="NodeConfigurationException"/> naming the path, the line and what was expected.
/// </summary>
internal readonly struct ConfigValue
{
    public ConfigValue(ConfigDocument document, YamlNode node, string path)
    {
        Document = document;
        Node = node;
        Path = path;
    }

    public ConfigDocument Document { get; }

    public YamlNode Node { get; }

    public string Path { get; }

    /// <summary>An empty value, <c>~</c> or <c>null</c> (unquoted): treated as if the key were absent.</summary>
    public bool IsNull => Node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    public NodeConfigurationException Error(string reason, Exception? inner = null) => Document.Error(Node, Path, reason, inner);

    public string Child(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>A mapping whose keys must all be among <paramref name="knownKeys"/>.</summary>
    public ConfigMap Map(params string[] knownKeys)
    {
        if (IsNull)
        {
            return ConfigMap.Empty(this);
        }

        if (Node is not YamlMappingNode mapping)
        {
            throw Error($"expected a mapping of keys ({string.Join(", ", knownKeys)}), got {Describe(Node)}");
        }

        return new ConfigMap(this, mapping, knownKeys);
    }

    /// <summary>A mapping with any keys (for sections whose keys are names, like <c>services</c> or <c>headers</c>).</summary>
    public ConfigMap OpenMap()
    {
        if (IsNull)
        {
            return ConfigMap.Empty(this);
        }

        return Node is YamlMappingNode mapping
            ? new ConfigMap(this, mapping, knownKeys: null)
            : throw Error($"expected a mapping, got {Describe(Node)}");
    }

    public IReadOnlyList<ConfigValue> List()
    {
        if (IsNull)
        {
            return [];
        }

        if (Node is not YamlSequenceNode sequence)
        {
            throw Error($"expected a list (items starting with '-'), got {Describe(Node)}");
        }

        var items = new List<ConfigValue>(sequence.Children.Count);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            items.Add(new ConfigValue(Document, sequence.Children[i], string.Create(CultureInfo.InvariantCulture, $"{Path}[{i}]")));
        }

        return items;
    }

    /// <summary>The scalar's text after <c>${env:…}</c> / <c>${file:…}</c> substitution.</summary>
    public string String()
    {
        if (Node is not YamlScalarNode scalar)
        {
            throw Error($"expected a single value, got {Describe(Node)}");
        }

        return Document.Substitute(scalar.Value ?? string.Empty, Node, Path);
    }

    public string NonEmptyString(string what)
    {
        var text = String();
        return text.Length == 0 ? throw Error($"{what} cannot be empty") : text;
    }

    public bool Bool()
    {
        var text = String().Trim();
        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        throw Error($"expected true or false, got '{text}'");
    }

    public long Integer(long min, long max)
    {
        var text = String().Trim();
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw Error($"expected a whole number, got '{text}'");
        }

        if (value < min || value > max)
        {
            throw Error(string.Create(CultureInfo.InvariantCulture, $"{value} is out of range: expected {min} to {max}"));
        }

        return value;
    }

    public TimeSpan Duration()
    {
        var text = String();
        return DurationText.TryParse(text, out var value, out var error) ? value : throw Error(error);
    }

    /// <summary>One of <paramref name="choices"/> (compared exactly, as the official node does).</summary>
    public string OneOf(params string[] choices)
    {
        var text = String().Trim();
        return choices.Contains(text, StringComparer.Ordinal)
            ? text
            : throw Error($"'{text}' is not one of: {string.Join(", ", choices)}");
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar => $"the value '{scalar.Value}'",
        _ => node.NodeType.ToString(),
    };
}

/// <summary>A YAML mapping with its path; unknown keys are rejected when the map is opened.</summary>
internal sealed class ConfigMap
{
    private readonly Dictionary<string, ConfigValue> _entries = new(StringComparer.Ordinal);
    private readonly List<(string Key, ConfigValue Value)> _ordered = [];

    public ConfigMap(ConfigValue self, YamlMappingNode? mapping, string[]? knownKeys)
    {
        Self = self;
        if (mapping is null)
        {
            return;
        }

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                throw self.Document.Error(keyNode, self.Path, "keys must be plain names");
            }

            var value = new ConfigValue(self.Document, valueNode, self.Child(key));
            if (knownKeys is not null && !knownKeys.Contains(key, StringComparer.Ordinal))
            {
                var expected = knownKeys.Length == 0 ? "no keys are expected here" : $"expected one of: {string.Join(", ", knownKeys)}";
                throw self.Document.Error(keyNode, self.Child(key), $"unknown key '{key}' ({expected})");
            }

            _entries[key] = value;
            _ordered.Add((key, value));
        }
    }

    public ConfigValue Self { get; }

    public string Path => Self.Path;

    public int Count => _ordered.Count;

    public IReadOnlyList<(string Key, ConfigValue Value)> Entries => _ordered;

    public static ConfigMap Empty(ConfigValue self) => new(self, mapping: null, knownKeys: null);

    /// <summary>The value of <paramref name="key"/>, or null when the key is absent or its value is empty/null.</summary>
    public ConfigValue? Get(string key) => _entries.TryGetValue(key, out var value) && !value.IsNull ? value : null;

    public bool Has(string key) => _entries.ContainsKey(key);

    public ConfigValue Require(string key, string why) =>
        Get(key) ?? throw Self.Document.Error(Self.Node, Self.Child(key), $"missing: {why}");
}
