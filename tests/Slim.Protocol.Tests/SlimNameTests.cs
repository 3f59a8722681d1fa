using Google.Protobuf;
using Slim.Protocol.Wire;

namespace Slim.Protocol.Tests;

public sealed class SlimNameTests
{
    private static readonly UInt128 BobId = new(0x979bbda1cd0667c2UL, 0x2c25f742fc4a6513UL);

    [Fact]
    public void Constructor_hashes_the_components_and_defaults_to_any_instance()
    {
        var name = new SlimName("org", "ns", "bob");

        Assert.Equal("org", name.Organization);
        Assert.Equal("ns", name.Namespace);
        Assert.Equal("bob", name.Service);
        Assert.Equal(0x873e580376ea963bUL, name.OrganizationHash);
        Assert.Equal(0xeef9769a4c6990d1UL, name.NamespaceHash);
        Assert.Equal(0x49ae1b437ae573c4UL, name.ServiceHash);
        Assert.Equal(UInt128.MaxValue, name.Id);
        Assert.True(name.IsAnyInstance);
        Assert.True(name.HasComponentStrings);
        Assert.False(name.IsDefault);
    }

    [Fact]
    public void Default_is_recognisable()
    {
        Assert.True(default(SlimName).IsDefault);
        Assert.False(default(SlimName).HasComponentStrings);
    }

    [Fact]
    public void WithId_WithoutId_and_prefix_equality()
    {
        var any = new SlimName("org", "ns", "bob");
        var bob = any.WithId(BobId);

        Assert.Equal(BobId, bob.Id);
        Assert.False(bob.IsAnyInstance);
        Assert.Equal("bob", bob.Service);
        Assert.NotEqual(any, bob);
        Assert.Equal(any, bob.WithoutId());
        Assert.True(bob.HasSamePrefix(any));
        Assert.False(bob.HasSamePrefix(new SlimName("org", "ns", "alice", BobId)));
    }

    [Fact]
    public void Equality_uses_hashes_and_id_only()
    {
        var full = new SlimName("org", "ns", "bob", BobId);
        var hashesOnly = SlimName.FromHashes(full.OrganizationHash, full.NamespaceHash, full.ServiceHash, BobId);

        Assert.False(hashesOnly.HasComponentStrings);
        Assert.Null(hashesOnly.Service);
        Assert.Equal(full, hashesOnly);
        Assert.True(full == hashesOnly);
        Assert.Equal(full.GetHashCode(), hashesOnly.GetHashCode());
        Assert.NotEqual(full, full.WithId(BobId + 1));
        Assert.True(full != full.WithId(0));

        var set = new HashSet<SlimName> { full, hashesOnly, full.WithId(1) };
        Assert.Equal(2, set.Count);
    }

    [Theory]
    [InlineData("org/ns/bob", "org/ns/bob")]
    [InlineData("org/ns/bob/NULL_COMPONENT", "org/ns/bob")]
    [InlineData("org/ns/bob/979bbda1-cd06-67c2-2c25-f742fc4a6513", "org/ns/bob/979bbda1-cd06-67c2-2c25-f742fc4a6513")]
    [InlineData("org/ns/bob/979BBDA1-CD06-67C2-2C25-F742FC4A6513", "org/ns/bob/979bbda1-cd06-67c2-2c25-f742fc4a6513")]
    [InlineData("org/ns/bob/0", "org/ns/bob/00000000-0000-0000-0000-000000000000")]
    [InlineData("org/ns/bob/255", "org/ns/bob/00000000-0000-0000-0000-0000000000ff")]
    [InlineData("a.b/ns-1/ünïcødé_x/340282366920938463463374607431768211455", "a.b/ns-1/ünïcødé_x")]
    public void Parse_accepts_the_documented_forms_and_round_trips(string text, string display)
    {
        var name = SlimName.Parse(text);

        Assert.Equal(display, name.ToString());
        Assert.Equal(name, SlimName.Parse(name.ToString()));
        Assert.True(SlimName.TryParse(text, out var again));
        Assert.Equal(name, again);
    }

    [Fact]
    public void Parse_reads_uuid_as_big_endian_u128()
    {
        var name = SlimName.Parse("org/ns/bob/979bbda1-cd06-67c2-2c25-f742fc4a6513");
        Assert.Equal(BobId, name.Id);
    }

    [Theory]
    [InlineData("", SlimErrorCode.NameFormat)]
    [InlineData("org", SlimErrorCode.NameComponentCount)]
    [InlineData("org/ns", SlimErrorCode.NameComponentCount)]
    [InlineData("org/ns/bob/1/2", SlimErrorCode.NameComponentCount)]
    [InlineData("a/b/c/d/e/f/g", SlimErrorCode.NameComponentCount)]
    [InlineData("/ns/bob", SlimErrorCode.NameEmptyComponent)]
    [InlineData("org//bob", SlimErrorCode.NameEmptyComponent)]
    [InlineData("org/ns/", SlimErrorCode.NameEmptyComponent)]
    [InlineData("org/ns/bob/", SlimErrorCode.NameEmptyComponent)]
    [InlineData("org/ns/b ob", SlimErrorCode.NameInvalidCharacter)]
    [InlineData(" org/ns/bob", SlimErrorCode.NameInvalidCharacter)]
    [InlineData("org/ns/bob\n", SlimErrorCode.NameInvalidCharacter)]
    [InlineData("org/n\ts/bob", SlimErrorCode.NameInvalidCharacter)]
    [InlineData("org/ns/bob/xyz", SlimErrorCode.NameInvalidId)]
    [InlineData("org/ns/bob/-1", SlimErrorCode.NameInvalidId)]
    [InlineData("org/ns/bob/340282366920938463463374607431768211456", SlimErrorCode.NameInvalidId)]
    [InlineData("org/ns/bob/979bbda1cd0667c22c25f742fc4a6513", SlimErrorCode.NameInvalidId)]
    [InlineData("org/ns/bob/979bbda1-cd06-67c2-2c25-f742fc4a651g", SlimErrorCode.NameInvalidId)]
    [InlineData("org/ns/bob/979bbda1+cd06-67c2-2c25-f742fc4a6513", SlimErrorCode.NameInvalidId)]
    [InlineData("org/ns/bob/null_component", SlimErrorCode.NameInvalidId)]
    public void Parse_rejects_bad_input_with_a_code_and_a_clear_message(string text, SlimErrorCode code)
    {
        var ex = Assert.Throws<SlimNameFormatException>(() => SlimName.Parse(text));
        Assert.Equal(code, ex.ErrorCode);
        Assert.IsAssignableFrom<SlimProtocolException>(ex);
        Assert.IsAssignableFrom<SlimException>(ex);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));

        Assert.False(SlimName.TryParse(text, out _));
        Assert.False(SlimName.TryParse(text.AsSpan(), out _, out var tryCode, out var error));
        Assert.Equal(code, tryCode);
        Assert.Equal(ex.Message, error);
    }

    [Fact]
    public void Error_messages_name_the_faulty_part()
    {
        var ex = Assert.Throws<SlimNameFormatException>(() => SlimName.Parse("org//bob"));
        Assert.Contains("namespace", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<SlimNameFormatException>(() => SlimName.Parse("org/ns/bob/zz"));
        Assert.Contains("id", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<SlimNameFormatException>(() => SlimName.Parse("org/ns"));
        Assert.Contains("found 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_input()
    {
        Assert.Throws<ArgumentNullException>(() => SlimName.Parse(null!));
        Assert.False(SlimName.TryParse((string?)null, out _));
    }

    [Theory]
    [InlineData("", "ns", "svc", SlimErrorCode.NameEmptyComponent)]
    [InlineData("org", "n/s", "svc", SlimErrorCode.NameInvalidCharacter)]
    [InlineData("org", "ns", "s vc", SlimErrorCode.NameInvalidCharacter)]
    public void Constructor_validates_components(string org, string ns, string service, SlimErrorCode code)
    {
        var ex = Assert.Throws<SlimNameFormatException>(() => new SlimName(org, ns, service));
        Assert.Equal(code, ex.ErrorCode);
    }

    [Fact]
    public void Formats_G_F_P()
    {
        var any = new SlimName("org", "ns", "bob");
        var bob = any.WithId(BobId);

        Assert.Equal("org/ns/bob", any.ToString("G", null));
        Assert.Equal("org/ns/bob/NULL_COMPONENT", any.ToString("F", null));
        Assert.Equal("org/ns/bob", any.ToString("P", null));
        Assert.Equal("org/ns/bob/979bbda1-cd06-67c2-2c25-f742fc4a6513", bob.ToString("G", null));
        Assert.Equal("org/ns/bob/979bbda1-cd06-67c2-2c25-f742fc4a6513", bob.ToString("F", null));
        Assert.Equal("org/ns/bob", bob.ToString("P", null));
        Assert.Equal($"{bob}", bob.ToString());
        Assert.Equal("org/ns/bob/NULL_COMPONENT", $"{any:F}");
        Assert.Throws<FormatException>(() => bob.ToString("X", null));

        // Official display round-trips too.
        Assert.Equal(any, SlimName.Parse(any.ToString("F", null)));
    }

    [Fact]
    public void Unknown_strings_display_as_hashes()
    {
        var name = SlimName.FromHashes(0x873e580376ea963bUL, 1, 0xFFUL, SlimName.AnyInstance);
        Assert.Equal("#873e580376ea963b/#0000000000000001/#00000000000000ff", name.ToString());
    }

    [Fact]
    public void Instance_id_text()
    {
        Assert.Equal("NULL_COMPONENT", SlimName.FormatInstanceId(SlimName.AnyInstance));
        Assert.Equal("979bbda1-cd06-67c2-2c25-f742fc4a6513", SlimName.FormatInstanceId(BobId));
        Assert.True(SlimName.TryParseInstanceId("979bbda1-cd06-67c2-2c25-f742fc4a6513", out var id));
        Assert.Equal(BobId, id);
        Assert.True(SlimName.TryParseInstanceId("NULL_COMPONENT", out id));
        Assert.Equal(UInt128.MaxValue, id);
        Assert.False(SlimName.TryParseInstanceId("", out _));
    }

    [Fact]
    public void Reserved_ids()
    {
        Assert.True(SlimName.IsReservedId(UInt128.MaxValue));
        Assert.True(SlimName.IsReservedId(UInt128.MaxValue - 50));
        Assert.False(SlimName.IsReservedId(UInt128.MaxValue - 51));
        Assert.False(SlimName.IsReservedId(0));
        Assert.Equal(UInt128.MaxValue - 50, SlimName.FirstReservedId);
    }

    [Fact]
    public void ToWire_writes_both_forms_and_an_explicit_name_id_even_for_any_instance()
    {
        var wire = new SlimName("org", "ns", "alice").ToWire();

        Assert.NotNull(wire.Name_);
        Assert.Equal(0x873e580376ea963bUL, wire.Name_.Component0);
        Assert.Equal(0xeef9769a4c6990d1UL, wire.Name_.Component1);
        Assert.Equal(0x7b90bc8fa5b6b182UL, wire.Name_.Component2);
        Assert.NotNull(wire.Name_.NameId);
        Assert.Equal(ulong.MaxValue, wire.Name_.NameId.Id0);
        Assert.Equal(ulong.MaxValue, wire.Name_.NameId.Id1);
        Assert.Equal("org", wire.StrName.StrComponent0);
        Assert.Equal("ns", wire.StrName.StrComponent1);
        Assert.Equal("alice", wire.StrName.StrComponent2);
    }

    [Fact]
    public void ToWire_splits_the_id_high_half_first()
    {
        var wire = new SlimName("org", "ns", "bob", BobId).ToWire();
        Assert.Equal(0x979bbda1cd0667c2UL, wire.Name_.NameId.Id0);
        Assert.Equal(0x2c25f742fc4a6513UL, wire.Name_.NameId.Id1);

        // Id 0 still writes an (empty) name_id message.
        var zero = new SlimName("org", "ns", "bob", 0).ToWire();
        Assert.NotNull(zero.Name_.NameId);
        Assert.Equal(new byte[] { 0x22, 0x00 }, zero.Name_.ToByteArray()[^2..]); // field 4, length 0
    }

    [Fact]
    public void FromWire_round_trips()
    {
        var bob = new SlimName("org", "ns", "bob", BobId);
        var back = SlimName.FromWire(Name.Parser.ParseFrom(bob.ToWire().ToByteArray()));

        Assert.Equal(bob, back);
        Assert.Equal("org", back.Organization);
        Assert.Equal("ns", back.Namespace);
        Assert.Equal("bob", back.Service);
    }

    [Fact]
    public void FromWire_tolerates_missing_name_id_and_missing_strings()
    {
        var wire = new Name { Name_ = new EncodedName { Component0 = 1, Component1 = 2, Component2 = 3 } };

        var name = SlimName.FromWire(wire);

        Assert.True(name.IsAnyInstance);
        Assert.False(name.HasComponentStrings);
        Assert.Equal(1UL, name.OrganizationHash);
        Assert.Equal(2UL, name.NamespaceHash);
        Assert.Equal(3UL, name.ServiceHash);

        // A hash-only name writes no StringName (it has none to write).
        var rewritten = name.ToWire();
        Assert.Null(rewritten.StrName);
        Assert.NotNull(rewritten.Name_.NameId);
    }

    [Fact]
    public void FromWire_keeps_wire_hashes_and_strings_as_sent()
    {
        var wire = new Name
        {
            Name_ = new EncodedName { Component0 = 7, Component1 = 8, Component2 = 9, NameId = new NameId { Id0 = 0, Id1 = 5 } },
            StrName = new StringName { StrComponent0 = "any text", StrComponent1 = "", StrComponent2 = "x/y" },
        };

        var name = SlimName.FromWire(wire);

        Assert.Equal(7UL, name.OrganizationHash);
        Assert.Equal("any text", name.Organization);
        Assert.Equal("", name.Namespace);
        Assert.Equal((UInt128)5, name.Id);
    }

    [Fact]
    public void FromWire_requires_the_encoded_name()
    {
        var ex = Assert.Throws<SlimProtocolException>(() => SlimName.FromWire(new Name { StrName = new StringName() }));
        Assert.Equal(SlimErrorCode.NameMissingEncoded, ex.ErrorCode);
        Assert.False(SlimName.TryFromWire(new Name(), out _));
        Assert.False(SlimName.TryFromWire(null, out _));
    }

    [Fact]
    public void TryParse_never_throws_on_random_text()
    {
        var random = new Random(20260101);
        const string Alphabet = "org/ns-_.0123456789abcdefABCDEF/ \t\n\u00e9\u4e2d\ud83d\ude00NULL_COMPONENT";
        for (var i = 0; i < 20_000; i++)
        {
            var length = random.Next(0, 80);
            var chars = new char[length];
            for (var j = 0; j < length; j++)
            {
                chars[j] = random.Next(8) == 0 ? (char)random.Next(0, 0x10000) : Alphabet[random.Next(Alphabet.Length)];
            }

            var text = new string(chars);
            if (SlimName.TryParse(text, out var name))
            {
                // Whatever parses displays and re-parses to the same name.
                Assert.Equal(name, SlimName.Parse(name.ToString()));
                Assert.Equal(name, SlimName.Parse(name.ToString("F", null)));
            }
            else
            {
                var ex = Assert.Throws<SlimNameFormatException>(() => SlimName.Parse(text));
                Assert.NotEqual(SlimErrorCode.Unspecified, ex.ErrorCode);
            }
        }
    }
}
