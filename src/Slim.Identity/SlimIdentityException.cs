using Slim.Protocol;

namespace Slim.Identity;

/// <summary>
/// Root of the exceptions thrown by <c>Slim.Identity</c>: bad configuration, unreadable keys, a token that cannot be
/// produced. Verifying a peer's token or signature never throws; it returns a failed <see cref="IdentityVerification"/>.
/// </summary>
public class SlimIdentityException : SlimException
{
    /// <summary>Creates an exception with a code and a message.</summary>
    public SlimIdentityException(SlimErrorCode errorCode, string message)
        : base(errorCode, message)
    {
    }

    /// <summary>Creates an exception with a code, a message and the exception that caused it.</summary>
    public SlimIdentityException(SlimErrorCode errorCode, string message, Exception? innerException)
        : base(errorCode, message, innerException)
    {
    }
}
