using Slim.Identity.Spiffe;
using Slim.Protocol;

namespace Slim.Identity.Tests.Spiffe;

public sealed class SpiffeIdTests
{
    [Theory]
    [InlineData("spiffe://example.org", "example.org", "")]
    [InlineData("spiffe://example.org/ns/prod/sa/app", "example.org", "/ns/prod/sa/app")]
    [InlineData("spiffe://td_1.example-2.org/A.b-C_d/9", "td_1.example-2.org", "/A.b-C_d/9")]
    [InlineData("spiffe://10.0.0.1/workload", "10.0.0.1", "/workload")]
    public void Valid_ids_parse_into_trust_domain_and_path(string text, string trustDomain, string path)
    {
        Assert.True(SpiffeId.TryParse(text, out var id, out var error), error);
        Assert.Equal(trustDomain, id.TrustDomain);
        Assert.Equal(path, id.Path);
        Assert.Equal(text, id.ToString());
        Assert.Equal(id, SpiffeId.Parse(text));
        Assert.True(id.IsMemberOf(trustDomain));
        Assert.False(id.IsMemberOf("other.org"));
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("http://example.org/app", "spiffe://")]
    [InlineData("SPIFFE://example.org/app", "spiffe://")]
    [InlineData("spiffe://", "trust domain is empty")]
    [InlineData("spiffe:///app", "trust domain is empty")]
    [InlineData("spiffe://Example.org/app", "[a-z0-9.-_]")]
    [InlineData("spiffe://example.org:8080/app", "port or user info")]
    [InlineData("spiffe://user@example.org/app", "port or user info")]
    [InlineData("spiffe://example.org/", "ends with /")]
    [InlineData("spiffe://example.org/app/", "ends with /")]
    [InlineData("spiffe://example.org//app", "empty segment")]
    [InlineData("spiffe://example.org/./app", ". or ..")]
    [InlineData("spiffe://example.org/../app", ". or ..")]
    [InlineData("spiffe://example.org/app?x=1", "query")]
    [InlineData("spiffe://example.org/app#frag", "query")]
    [InlineData("spiffe://example.org/a%20b", "query")]
    [InlineData("spiffe://example.org/a b", "[a-zA-Z0-9.-_]")]
    [InlineData("spiffe://example.org/é", "[a-zA-Z0-9.-_]")]
    public void Invalid_ids_are_refused_with_the_rule_they_break(string? text, string reason)
    {
        Assert.False(SpiffeId.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        if (text is not null)
        {
            Assert.Equal(SlimErrorCode.IdentityConfigurationInvalid, Assert.Throws<SlimIdentityException>(() => SpiffeId.Parse(text)).ErrorCode);
        }
    }

    [Fact]
    public void Length_limits_are_enforced()
    {
        Assert.True(SpiffeId.TryParse("spiffe://" + new string('a', 255), out _, out _));
        Assert.False(SpiffeId.TryParse("spiffe://" + new string('a', 256), out _, out _));
        var longPath = "spiffe://example.org/" + string.Join('/', Enumerable.Repeat("segment", 300));
        Assert.False(SpiffeId.TryParse(longPath, out _, out var error));
        Assert.Contains("2048", error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, default(SpiffeId).ToString());
    }

    [Fact]
    public void Random_text_never_throws()
    {
        var random = new Random(3);
        const string alphabet = "spife:/.-_AZaz09%?#@ é";
        for (var i = 0; i < 3000; i++)
        {
            var chars = new char[random.Next(0, 60)];
            for (var c = 0; c < chars.Length; c++)
            {
                chars[c] = alphabet[random.Next(alphabet.Length)];
            }

            var text = (i % 2 == 0 ? "spiffe://" : string.Empty) + new string(chars);
            if (SpiffeId.TryParse(text, out var id, out _))
            {
                Assert.Equal(text, id.ToString());
            }
        }
    }
}
