using Slim.DataPlane.Links.Internal;

namespace Slim.DataPlane.Tests.Links;

public sealed class SemanticVersionTests
{
    [Theory]
    [InlineData("2.0.0-alpha.8")]
    [InlineData("1.4.0")]
    [InlineData("0.0.0")]
    [InlineData("10.20.30")]
    [InlineData("1.0.0-0.3.7")]
    [InlineData("1.0.0-x.7.z.92")]
    [InlineData("1.0.0-alpha+001")]
    [InlineData("1.0.0+20130313144700")]
    [InlineData("1.0.0-beta+exp.sha.5114f85")]
    [InlineData("1.0.0-x-y-z.--")]
    public void Accepts_semantic_versions(string version) => Assert.True(SemanticVersion.IsValid(version));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("1.2")]
    [InlineData("1.2.3.4")]
    [InlineData("01.2.3")]
    [InlineData("1.02.3")]
    [InlineData("1.2.03")]
    [InlineData("v1.2.3")]
    [InlineData("1.2.3-")]
    [InlineData("1.2.3-01")]
    [InlineData("1.2.3-alpha..1")]
    [InlineData("1.2.3+")]
    [InlineData("1.2.3+a+b")]
    [InlineData("1.2.3-al pha")]
    [InlineData(" 1.2.3")]
    [InlineData("1.2.-3")]
    [InlineData("99999999999999999999999.0.0")]
    public void Refuses_other_strings(string? version) => Assert.False(SemanticVersion.IsValid(version));

    [Fact]
    public void Random_strings_never_throw()
    {
        var random = new Random(11);
        const string alphabet = "0123456789.-+abcXYZ ";
        for (var i = 0; i < 2000; i++)
        {
            var chars = new char[random.Next(0, 20)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            _ = SemanticVersion.IsValid(new string(chars));
        }
    }
}
