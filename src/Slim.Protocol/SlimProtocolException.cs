namespace Slim.Protocol;

/// <summary>Root of the exceptions thrown by <c>Slim.Protocol</c> (names, ids, wire messages).</summary>
public class SlimProtocolException : SlimException
{
    /// <summary>Creates an exception with a code and a message.</summary>
    public SlimProtocolException(SlimErrorCode errorCode, string message)
        : base(errorCode, message)
    {
    }

    /// <summary>Creates an exception with a code, a message and the exception that caused it.</summary>
    public SlimProtocolException(SlimErrorCode errorCode, string message, Exception? innerException)
        : base(errorCode, message, innerException)
    {
    }
}

/// <summary>A textual SLIM name could not be parsed; <see cref="SlimException.ErrorCode"/> says why.</summary>
public sealed class SlimNameFormatException : SlimProtocolException
{
    /// <summary>Creates the exception.</summary>
    public SlimNameFormatException(SlimErrorCode errorCode, string message)
        : base(errorCode, message)
    {
    }
}
