using Slim.DataPlane.Transport;
using Slim.Protocol;

namespace Slim.DataPlane.Tests.Transport;

public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("plain text stays", "plain text stays")]
    [InlineData("100%", "100%25")]
    [InlineData("tab\there", "tab%09here")]
    [InlineData("ünïcode", "%C3%BCn%C3%AFcode")]
    [InlineData("", "")]
    public void Status_messages_are_percent_encoded_and_decoded(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcProtocol.EncodeMessage(message));
        Assert.Equal(message, GrpcProtocol.DecodeMessage(encoded));
    }

    [Theory]
    [InlineData("%", "%")]
    [InlineData("%4", "%4")]
    [InlineData("%zz ok", "%zz ok")]
    [InlineData("50%%20", "50% ")]
    [InlineData(null, "")]
    public void Malformed_escapes_are_kept_as_they_are(string? encoded, string decoded)
    {
        Assert.Equal(decoded, GrpcProtocol.DecodeMessage(encoded));
    }

    [Fact]
    public void Random_text_decodes_without_throwing_and_encoding_round_trips()
    {
        var random = new Random(4242);
        const string alphabet = "%%%0123456789abcdefABCDEFxyz \t\u00e9\u4e2d\ud83d\ude00\ud800";
        for (var i = 0; i < 5000; i++)
        {
            var chars = new char[random.Next(0, 24)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            var text = new string(chars);
            _ = GrpcProtocol.DecodeMessage(text);

            var encoded = GrpcProtocol.EncodeMessage(text);
            Assert.All(encoded, c => Assert.InRange(c, ' ', '~'));

            // Lone surrogates are not representable in UTF-8 and come back as U+FFFD.
            var expected = System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text));
            Assert.Equal(expected, GrpcProtocol.DecodeMessage(encoded));
        }
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("APPLICATION/GRPC", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData("", false)]
    public void Grpc_content_types_are_recognised(string contentType, bool expected)
    {
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));
    }

    [Theory]
    [InlineData(400, GrpcStatusCode.Internal)]
    [InlineData(401, GrpcStatusCode.Unauthenticated)]
    [InlineData(403, GrpcStatusCode.PermissionDenied)]
    [InlineData(404, GrpcStatusCode.Unimplemented)]
    [InlineData(429, GrpcStatusCode.Unavailable)]
    [InlineData(502, GrpcStatusCode.Unavailable)]
    [InlineData(503, GrpcStatusCode.Unavailable)]
    [InlineData(504, GrpcStatusCode.Unavailable)]
    [InlineData(500, GrpcStatusCode.Unknown)]
    public void Http_statuses_map_to_grpc_statuses(int http, GrpcStatusCode expected)
    {
        Assert.Equal(expected, GrpcProtocol.StatusFromHttp(http));
    }

    [Theory]
    [InlineData("0", true, GrpcStatusCode.OK)]
    [InlineData("14", true, GrpcStatusCode.Unavailable)]
    [InlineData("-1", false, GrpcStatusCode.Unknown)]
    [InlineData(" 3", false, GrpcStatusCode.Unknown)]
    [InlineData("abc", false, GrpcStatusCode.Unknown)]
    [InlineData(null, false, GrpcStatusCode.Unknown)]
    public void Status_values_parse_strictly(string? value, bool ok, GrpcStatusCode expected)
    {
        Assert.Equal(ok, GrpcProtocol.TryParseStatus(value, out var status));
        Assert.Equal(expected, status);
    }

    [Fact]
    public void Exceptions_map_to_the_status_a_server_sends()
    {
        Assert.Equal(GrpcStatusCode.PermissionDenied, GrpcProtocol.StatusFromException(
            new SlimTransportException(SlimErrorCode.GrpcStatus, GrpcStatusCode.PermissionDenied, "no")));
        Assert.Equal(GrpcStatusCode.Unauthenticated, GrpcProtocol.StatusFromException(new SlimException(SlimErrorCode.IdentityInvalid, "x")));
        Assert.Equal(GrpcStatusCode.InvalidArgument, GrpcProtocol.StatusFromException(new SlimException(SlimErrorCode.InvalidArgument, "x")));
        Assert.Equal(GrpcStatusCode.Internal, GrpcProtocol.StatusFromException(new SlimException(SlimErrorCode.RoutingFailed, "x")));
        Assert.Equal(GrpcStatusCode.Cancelled, GrpcProtocol.StatusFromException(new OperationCanceledException()));
        Assert.Equal(GrpcStatusCode.Internal, GrpcProtocol.StatusFromException(new InvalidOperationException()));
    }

    [Fact]
    public void Transport_exceptions_carry_status_and_detail()
    {
        var error = new SlimTransportException(SlimErrorCode.ConnectFailed, GrpcStatusCode.Unavailable, "refused") { HttpStatusCode = 503 };
        Assert.Equal(SlimErrorCode.ConnectFailed, error.ErrorCode);
        Assert.Equal("refused", error.StatusDetail);
        Assert.Equal(503, error.HttpStatusCode);
        Assert.Contains("Unavailable", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<SlimException>(error);
    }
}
