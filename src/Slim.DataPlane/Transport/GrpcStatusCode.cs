namespace Slim.DataPlane.Transport;

/// <summary>The gRPC status codes carried in the <c>grpc-status</c> trailer (values fixed by the gRPC protocol).</summary>
public enum GrpcStatusCode
{
    /// <summary>Success.</summary>
    OK = 0,

    /// <summary>The call was cancelled, typically by the caller.</summary>
    Cancelled = 1,

    /// <summary>An error with no better code (also used when the peer's status cannot be read).</summary>
    Unknown = 2,

    /// <summary>The client sent an invalid argument.</summary>
    InvalidArgument = 3,

    /// <summary>A deadline expired before the operation completed.</summary>
    DeadlineExceeded = 4,

    /// <summary>A requested entity was not found.</summary>
    NotFound = 5,

    /// <summary>The entity the client tried to create already exists.</summary>
    AlreadyExists = 6,

    /// <summary>The caller is not allowed to perform the operation.</summary>
    PermissionDenied = 7,

    /// <summary>A resource (quota, memory, streams) is exhausted.</summary>
    ResourceExhausted = 8,

    /// <summary>The system is not in the state the operation requires.</summary>
    FailedPrecondition = 9,

    /// <summary>The operation was aborted (concurrency conflict).</summary>
    Aborted = 10,

    /// <summary>The operation went past the valid range.</summary>
    OutOfRange = 11,

    /// <summary>The method is not implemented by the server (unknown path).</summary>
    Unimplemented = 12,

    /// <summary>An internal error of the peer.</summary>
    Internal = 13,

    /// <summary>The service is unavailable (connection failed or lost); usually transient.</summary>
    Unavailable = 14,

    /// <summary>Unrecoverable data loss or corruption.</summary>
    DataLoss = 15,

    /// <summary>The request lacks valid authentication credentials.</summary>
    Unauthenticated = 16,
}
