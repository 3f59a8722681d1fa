using Slim.Protocol;

namespace Slim.DataPlane;

/// <summary>
/// Root of the exceptions thrown by <c>Slim.DataPlane</c>: link negotiation, subscriptions, outbound links.
/// <see cref="SlimException.ErrorCode"/> is one of the 300–399 routing codes (or <see cref="SlimErrorCode.Timeout"/>).
/// </summary>
/// <remarks>
/// Input from peers never surfaces as an exception: a bad message is dropped (logged and counted) and a bad
/// connection is closed. These exceptions reach only the local caller of an API (a subscribe that failed, a first
/// connection attempt that was refused).
/// </remarks>
public sealed class SlimDataPlaneException : SlimException
{
    /// <summary>Creates an exception with a code and a message.</summary>
    public SlimDataPlaneException(SlimErrorCode errorCode, string message)
        : base(errorCode, message)
    {
    }

    /// <summary>Creates an exception with a code, a message and the exception that caused it.</summary>
    public SlimDataPlaneException(SlimErrorCode errorCode, string message, Exception? innerException)
        : base(errorCode, message, innerException)
    {
    }
}
