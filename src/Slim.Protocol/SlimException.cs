namespace Slim.Protocol;

/// <summary>
/// Root of every exception thrown by the <c>Slim.*</c> libraries. Catch this to handle any SLIM failure;
/// inspect <see cref="ErrorCode"/> to tell failures apart without parsing messages.
/// </summary>
/// <remarks>
/// Each library derives its own root from this type (<see cref="SlimProtocolException"/> here) and adds its codes
/// to <see cref="SlimErrorCode"/>.
/// </remarks>
public class SlimException : Exception
{
    /// <summary>Creates an exception with a code and a message.</summary>
    public SlimException(SlimErrorCode errorCode, string message)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>Creates an exception with a code, a message and the exception that caused it.</summary>
    public SlimException(SlimErrorCode errorCode, string message, Exception? innerException)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The machine-readable reason.</summary>
    public SlimErrorCode ErrorCode { get; }
}
