using System.IO.Pipelines;
using Slim.DataPlane.Transport;

namespace Slim.Testing;

/// <summary>
/// One end of an in-memory <c>OpenChannel</c> stream: two <see cref="Pipe"/>s cross-connected, so what one end
/// writes the other reads. Stands in for the HTTP/2 transports in unit tests (no sockets).
/// </summary>
/// <remarks>
/// <see cref="CompleteAsync"/> completes this end's writer (the other end reads end-of-stream, as after gRPC trailers)
/// and records the error; <see cref="Abort"/> cancels <see cref="Aborted"/> on both ends, like an HTTP/2 reset.
/// Pipe thresholds come from the <see cref="PipeOptions"/> given to <see cref="CreatePair"/>: a small
/// pause threshold makes "a peer that stops reading" easy to simulate.
/// </remarks>
public sealed class InMemoryFrameStream : IFrameStream
{
    private readonly CancellationTokenSource _aborted;
    private int _completed;

    private InMemoryFrameStream(PipeReader input, PipeWriter output, string remoteDescription, CancellationTokenSource aborted)
    {
        Input = input;
        Output = output;
        RemoteDescription = remoteDescription;
        _aborted = aborted;
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public string RemoteDescription { get; }

    public CancellationToken Aborted => _aborted.Token;

    /// <summary>True once <see cref="CompleteAsync"/> ran.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>The error this end completed with (the gRPC status a server would have sent), if any.</summary>
    public Exception? CompletionError { get; private set; }

    /// <summary>Creates a connected pair: what <c>Client</c> writes, <c>Server</c> reads, and the reverse.</summary>
    public static (InMemoryFrameStream Client, InMemoryFrameStream Server) CreatePair(
        PipeOptions? options = null, string clientDescription = "in-memory client", string serverDescription = "in-memory server")
    {
        options ??= new PipeOptions(useSynchronizationContext: false);
        var toServer = new Pipe(options);
        var toClient = new Pipe(options);
        var aborted = new CancellationTokenSource();
        var client = new InMemoryFrameStream(toClient.Reader, toServer.Writer, serverDescription, aborted);
        var server = new InMemoryFrameStream(toServer.Reader, toClient.Writer, clientDescription, aborted);
        return (client, server);
    }

    /// <summary>Resets the stream: both ends see <see cref="Aborted"/> cancelled.</summary>
    public void Abort()
    {
        try
        {
            _aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already torn down.
        }
    }

    public ValueTask CompleteAsync(Exception? error = null)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            CompletionError = error;
            Output.Complete();
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await CompleteAsync().ConfigureAwait(false);
        await Input.CompleteAsync().ConfigureAwait(false);
    }
}
