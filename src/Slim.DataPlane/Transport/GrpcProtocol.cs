using System.Buffers;
using System.Globalization;
using System.Text;
using Slim.Protocol;

namespace Slim.DataPlane.Transport;

/// <summary>
/// The HTTP/2 side of the gRPC wire that both ends of the <c>OpenChannel</c> stream share: the method path, header
/// names and values, the <c>grpc-message</c> encoding and the HTTP-to-gRPC status mapping.
/// </summary>
/// <remarks>
/// A call is <c>POST <see cref="OpenChannelPath"/></c> with <c>content-type: application/grpc</c> and
/// <c>te: trailers</c>. The response is status 200 with <c>content-type: application/grpc</c>, a body of framed
/// messages, and trailers <c>grpc-status</c> (decimal) and optionally <c>grpc-message</c> (percent-encoded UTF-8).
/// A response that carries <c>grpc-status</c> in its headers and has no body is "trailers-only".
/// </remarks>
public static class GrpcProtocol
{
    /// <summary>The HTTP/2 path of SLIM's only RPC, <c>DataPlaneService.OpenChannel</c>.</summary>
    public const string OpenChannelPath = "/dataplane.proto.v1.DataPlaneService/OpenChannel";

    /// <summary>The content type of every gRPC request and response.</summary>
    public const string ContentType = "application/grpc";

    /// <summary>Trailer (or trailers-only header) holding the decimal status code.</summary>
    public const string StatusHeader = "grpc-status";

    /// <summary>Trailer (or trailers-only header) holding the percent-encoded status message.</summary>
    public const string MessageHeader = "grpc-message";

    /// <summary>The default SLIM data-plane port.</summary>
    public const int DefaultPort = 46357;

    /// <summary>
    /// True when <paramref name="contentType"/> is <c>application/grpc</c>, optionally followed by <c>+subtype</c> or
    /// <c>;parameters</c> (compared without regard to case).
    /// </summary>
    public static bool IsGrpcContentType(ReadOnlySpan<char> contentType)
    {
        if (!contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';';
    }

    /// <summary>Parses a <c>grpc-status</c> value; false when it is not a decimal integer.</summary>
    public static bool TryParseStatus(string? value, out GrpcStatusCode status)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            status = (GrpcStatusCode)code;
            return true;
        }

        status = GrpcStatusCode.Unknown;
        return false;
    }

    /// <summary>Formats a status code as the decimal <c>grpc-status</c> value.</summary>
    public static string FormatStatus(GrpcStatusCode status) => ((int)status).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The gRPC status a client reports for a non-200 HTTP response: 400 internal, 401 unauthenticated, 403 permission
    /// denied, 404 unimplemented, 429/502/503/504 unavailable, anything else unknown.
    /// </summary>
    public static GrpcStatusCode StatusFromHttp(int httpStatus) => httpStatus switch
    {
        400 => GrpcStatusCode.Internal,
        401 => GrpcStatusCode.Unauthenticated,
        403 => GrpcStatusCode.PermissionDenied,
        404 => GrpcStatusCode.Unimplemented,
        429 or 502 or 503 or 504 => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    /// <summary>
    /// The status a server end sends when its stream is completed with <paramref name="error"/>: the status of a
    /// <see cref="SlimTransportException"/>; for other <see cref="SlimException"/>s a status matching their
    /// <see cref="SlimException.ErrorCode"/>; <see cref="GrpcStatusCode.Cancelled"/> for a cancellation; otherwise
    /// <see cref="GrpcStatusCode.Internal"/>.
    /// </summary>
    public static GrpcStatusCode StatusFromException(Exception error) => error switch
    {
        SlimTransportException transport => transport.StatusCode,
        SlimException slim => slim.ErrorCode switch
        {
            SlimErrorCode.InvalidArgument => GrpcStatusCode.InvalidArgument,
            SlimErrorCode.Timeout => GrpcStatusCode.DeadlineExceeded,
            SlimErrorCode.MessageTooLarge => GrpcStatusCode.ResourceExhausted,
            SlimErrorCode.IdentityInvalid => GrpcStatusCode.Unauthenticated,
            SlimErrorCode.InvalidState => GrpcStatusCode.FailedPrecondition,
            _ => GrpcStatusCode.Internal,
        },
        OperationCanceledException => GrpcStatusCode.Cancelled,
        _ => GrpcStatusCode.Internal,
    };

    /// <summary>
    /// Encodes a status message for the <c>grpc-message</c> trailer: UTF-8, with every byte outside printable ASCII
    /// (0x20-0x7E) and the <c>%</c> sign written as <c>%XX</c>.
    /// </summary>
    public static string EncodeMessage(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var plain = true;
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                plain = false;
                break;
            }
        }

        if (plain)
        {
            return message;
        }

        var utf8 = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(utf8.Length * 3);
        foreach (var b in utf8)
        {
            if (b is < 0x20 or > 0x7E or (byte)'%')
            {
                builder.Append('%').Append(HexUpper[b >> 4]).Append(HexUpper[b & 0xF]);
            }
            else
            {
                builder.Append((char)b);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Decodes a <c>grpc-message</c> value. Malformed escapes are kept as they are, as gRPC requires; invalid UTF-8
    /// becomes U+FFFD. Never throws.
    /// </summary>
    public static string DecodeMessage(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded) || !encoded.Contains('%', StringComparison.Ordinal))
        {
            return encoded ?? string.Empty;
        }

        // A char never needs more than 3 UTF-8 bytes (a lone surrogate becomes the 3-byte U+FFFD).
        var buffer = ArrayPool<byte>.Shared.Rent(encoded.Length * 3);
        try
        {
            var length = 0;
            for (var i = 0; i < encoded.Length; i++)
            {
                var c = encoded[i];
                if (c == '%' && i + 2 < encoded.Length
                    && HexValue(encoded[i + 1]) is var high and >= 0 && HexValue(encoded[i + 2]) is var low and >= 0)
                {
                    buffer[length++] = (byte)((high << 4) | low);
                    i += 2;
                }
                else
                {
                    // Non-ASCII characters are not valid in the header; keep them rather than fail.
                    length += Encoding.UTF8.GetBytes(encoded.AsSpan(i, 1), buffer.AsSpan(length));
                }
            }

            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ReadOnlySpan<char> HexUpper => "0123456789ABCDEF";

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
