namespace Slim.Testing.Interop;

/// <summary>The interop harness could not do what a test asked (environment, process, protocol).</summary>
public class InteropHarnessException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InteropHarnessException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public InteropHarnessException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public InteropHarnessException()
    {
    }
}

/// <summary>An app or node under test answered a command with an error (the call itself failed).</summary>
public sealed class InteropCommandException : InteropHarnessException
{
    /// <summary>Creates the exception.</summary>
    public InteropCommandException(string command, string errorType, string error, string diagnostics)
        : base($"{command} failed: {errorType}: {error}{Environment.NewLine}{diagnostics}")
    {
        Command = command;
        ErrorType = errorType;
        Error = error;
    }

    /// <summary>Creates the exception.</summary>
    public InteropCommandException(string message)
        : base(message)
    {
        Command = ErrorType = Error = string.Empty;
    }

    /// <summary>Creates the exception.</summary>
    public InteropCommandException(string message, Exception innerException)
        : base(message, innerException)
    {
        Command = ErrorType = Error = string.Empty;
    }

    /// <summary>Creates the exception.</summary>
    public InteropCommandException()
    {
        Command = ErrorType = Error = string.Empty;
    }

    /// <summary>The command that failed, e.g. "invite".</summary>
    public string Command { get; }

    /// <summary>The implementation's error kind, e.g. "SessionError" (official) or "InvalidCommand" (the harness).</summary>
    public string ErrorType { get; }

    /// <summary>The implementation's error text.</summary>
    public string Error { get; }
}
