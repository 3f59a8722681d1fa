namespace Slim.Mls;

/// <summary>
/// Root of every exception the MLS library throws on purpose. Inspect <see cref="ErrorCode"/> to tell failures apart.
/// </summary>
/// <remarks>
/// <c>Slim.Mls</c> references no other SLIM project except the curve primitives, so it has its own root rather than
/// deriving from the SLIM exception hierarchy; the session layer wraps it where needed.
/// </remarks>
public class MlsException : Exception
{
    /// <summary>Creates an exception with a code and a message.</summary>
    public MlsException(MlsErrorCode errorCode, string message)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>Creates an exception with a code, a message and the exception that caused it.</summary>
    public MlsException(MlsErrorCode errorCode, string message, Exception? innerException)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The machine-readable reason.</summary>
    public MlsErrorCode ErrorCode { get; }
}

/// <summary>
/// The only exception a decoder throws: the input is not a valid encoding of the structure asked for.
/// <see cref="MlsException.ErrorCode"/> is one of the <c>Decode*</c> codes.
/// </summary>
public sealed class MlsDecodeException : MlsException
{
    /// <summary>Creates a decode error with the offset where decoding stopped.</summary>
    public MlsDecodeException(MlsErrorCode errorCode, string message, int position)
        : base(errorCode, $"{message} (at byte {position})")
    {
        Position = position;
    }

    /// <summary>Offset in the decoded buffer where the problem was found.</summary>
    public int Position { get; }
}
