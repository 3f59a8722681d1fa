using Slim.Protocol;

namespace Slim.Session;

/// <summary>
/// A session operation failed; <see cref="SlimException.ErrorCode"/> says why (the 400–499 range of
/// <see cref="SlimErrorCode"/>: timeout, participant not found, already in group, session closed, ...).
/// </summary>
public sealed class SlimSessionException : SlimException
{
    /// <summary>Creates the exception.</summary>
    public SlimSessionException(SlimErrorCode errorCode, string message)
        : base(errorCode, message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public SlimSessionException(SlimErrorCode errorCode, string message, Exception? innerException)
        : base(errorCode, message, innerException)
    {
    }
}
