using Slim.Protocol;

namespace Slim.DataPlane.Transport;

/// <summary>
/// A gRPC stream could not be opened, failed, or was ended by the peer with an error status.
/// </summary>
/// <remarks>
/// <see cref="SlimException.ErrorCode"/> says what went wrong on our side of the wire
/// (<see cref="SlimErrorCode.ConnectFailed"/>, <see cref="SlimErrorCode.TransportFailed"/>,
/// <see cref="SlimErrorCode.GrpcStatus"/>, <see cref="SlimErrorCode.NotGrpcResponse"/>);
/// <see cref="StatusCode"/> and <see cref="StatusDetail"/> carry the gRPC status, either received from the peer or
/// derived the way gRPC clients derive it (a lost connection is <see cref="GrpcStatusCode.Unavailable"/>).
/// A server end that is completed with this exception sends its status and detail to the client.
/// </remarks>
public sealed class SlimTransportException : SlimException
{
    /// <summary>Creates an exception carrying a gRPC status.</summary>
    /// <param name="errorCode">What failed, from the transport range (600-699).</param>
    /// <param name="statusCode">The gRPC status received or derived.</param>
    /// <param name="statusDetail">The <c>grpc-message</c> received or to send (may be empty).</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public SlimTransportException(SlimErrorCode errorCode, GrpcStatusCode statusCode, string statusDetail, Exception? innerException = null)
        : base(errorCode, Describe(statusCode, statusDetail), innerException)
    {
        StatusCode = statusCode;
        StatusDetail = statusDetail ?? string.Empty;
    }

    /// <summary>The gRPC status: the peer's <c>grpc-status</c>, or the code a gRPC client derives for this failure.</summary>
    public GrpcStatusCode StatusCode { get; }

    /// <summary>The peer's <c>grpc-message</c> (decoded), or a description of the local failure.</summary>
    public string StatusDetail { get; }

    /// <summary>The HTTP status of the response when it was not 200, otherwise null.</summary>
    public int? HttpStatusCode { get; init; }

    private static string Describe(GrpcStatusCode statusCode, string? detail) =>
        string.IsNullOrEmpty(detail) ? $"gRPC status {statusCode}." : $"gRPC status {statusCode}: {detail}";
}
